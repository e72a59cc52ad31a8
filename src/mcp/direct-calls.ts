import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { Core } from '../core/core.js';
import type { AppError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { Tool } from '../tools/define.js';
import { invoke } from '../tools/invoke.js';
import { errorResult } from './tools.js';

type RequestId = string | number;

/** One JSON-RPC tools/call of a 2025-era session, as the direct path takes it. */
interface DirectCall {
  id: RequestId;
  tool: Tool;
  args: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is RequestId =>
  typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
const onlyKeys = (o: Record<string, unknown>, allowed: readonly string[]) =>
  Object.keys(o).every((k) => allowed.includes(k));

/**
 * The direct path of the commonest MCP message, on a Streamable HTTP session or on stdio: one
 * `tools/call` of a short, read-only tool that does not talk to the client (`usesClient`), with
 * nothing but a name and arguments (no `_meta`: no progress token, no task, no related request).
 * Such a call needs no stream: it sends no progress, no log message and asks the client nothing
 * (approvals and input requests are for tools that change things). Over HTTP it is answered with
 * one `application/json` body, which Streamable HTTP lets a server choose for any POST; over stdio
 * with one line. It goes through `invoke` like every call (role, policy, strict input, output
 * check, metrics, the log line). What it skips is the SDK's per-message work: over HTTP the SSE
 * ReadableStream, its priming event and resumability record; on both, the zod parses of the
 * message, the request and the result, and the second serialisation of the result (its text block
 * and structuredContent are the same JSON, written once). Anything else, or anything unusual about
 * the message, goes to the SDK, which answers (or refuses) it as always.
 */
export class DirectCalls {
  /** Calls running on this path, by session and JSON-RPC id, for notifications/cancelled. */
  private readonly running = new Map<string, AbortController>();
  private readonly byName: Map<string, Tool>;

  constructor(
    private readonly core: Core,
    tools: readonly Tool[],
  ) {
    this.byName = new Map(
      tools.filter((t) => t.hints.readOnly && !t.long && !t.usesClient).map((t) => [t.name, t]),
    );
  }

  /** Whether the request's headers are ones the SDK transport would accept for a POST. */
  headersFit(req: Request): boolean {
    const accept = req.headers.get('accept') ?? '';
    const version = req.headers.get('mcp-protocol-version');
    return (
      accept.includes('application/json') &&
      accept.includes('text/event-stream') &&
      (req.headers.get('content-type') ?? '').startsWith('application/json') &&
      (version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version))
    );
  }

  /** The call this body is, when the direct path may take it. */
  match(body: unknown): DirectCall | undefined {
    if (!isObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call' || !isId(body.id)) return;
    if (!onlyKeys(body, ['jsonrpc', 'id', 'method', 'params'])) return;
    const { params } = body;
    if (!isObject(params) || typeof params.name !== 'string' || !onlyKeys(params, ['name', 'arguments']))
      return;
    const tool = this.byName.get(params.name);
    const args = params.arguments ?? {};
    if (!tool || !isObject(args)) return;
    return { id: body.id, tool, args };
  }

  /**
   * notifications/cancelled for a call on this path aborts it (it then gets no response, as the
   * spec says). `scope` is the connection (a session id; one stdio connection). Returns whether it
   * was one of ours.
   */
  cancel(scope: string, body: unknown): boolean {
    if (!isObject(body) || body.method !== 'notifications/cancelled' || !isObject(body.params)) return false;
    const running = this.running.get(`${scope} ${String(body.params.requestId)}`);
    running?.abort(new Error('cancelled by the client'));
    return running !== undefined;
  }

  /** Run the call; its JSON-RPC response as text, or undefined when it was cancelled. */
  async answer(scope: string, call: DirectCall, principal: Principal): Promise<string | undefined> {
    const key = `${scope} ${String(call.id)}`;
    const abort = new AbortController();
    this.running.set(key, abort);
    let result: string;
    try {
      const out = await invoke(call.tool, call.args, { core: this.core, principal, signal: abort.signal });
      result = successJson(call.tool, out);
    } catch (e) {
      result = JSON.stringify(errorResult(e as AppError));
    } finally {
      this.running.delete(key);
    }
    if (abort.signal.aborted) return undefined;
    return `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":${result}}`;
  }
}

/** A tool result as JSON text: the result's JSON is both the text block and structuredContent. */
function successJson(tool: Tool, out: unknown): string {
  const json = JSON.stringify(out);
  const content = tool.content
    ? JSON.stringify(tool.content(out))
    : `[{"type":"text","text":${JSON.stringify(json)}}]`;
  return `{"content":${content},"structuredContent":${json}}`;
}
