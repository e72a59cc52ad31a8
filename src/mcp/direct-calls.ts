import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { Core } from '../core/core.js';
import type { AppError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { Tool } from '../tools/define.js';
import { invoke } from '../tools/invoke.js';
import { errorResult } from './tools.js';

type RequestId = string | number;

/** One JSON-RPC tools/call, as the direct path takes it. */
export interface DirectCall {
  id: RequestId;
  tool: Tool;
  args: Record<string, unknown>;
  /** A 2026-07-28 stateless request: its result carries resultType and the server's info. */
  modern: boolean;
}

/**
 * The stateless revisions (the SDK does not export its list; test/mcp-http.test.ts checks that a
 * v2 SDK client negotiates this one).
 */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];
/** What a 2026-07-28 request's `_meta` envelope may hold for the direct path: nothing that asks for more. */
const ENVELOPE = [PROTOCOL_VERSION_META_KEY, CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY];

/** The headers of a request the direct path looks at. */
export interface CallHeaders {
  version: string | null;
  method: string | null;
  name: string | null;
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
  /** What a 2026-07-28 result adds: it is complete and names its server, as the SDK's do. */
  private readonly modernMembers: string;

  constructor(
    private readonly core: Core,
    tools: readonly Tool[],
    /** name, title, version: a 2026-07-28 result names its server. */
    serverInfo: Record<string, string>,
  ) {
    this.modernMembers = `,"resultType":"complete","_meta":${JSON.stringify({ [SERVER_INFO_META_KEY]: serverInfo })}`;
    this.byName = new Map(
      tools.filter((t) => t.hints.readOnly && !t.long && !t.usesClient).map((t) => [t.name, t]),
    );
  }

  /** Whether a POST's Accept and Content-Type are ones the SDK would accept (else it refuses them). */
  headersFit(req: Request): boolean {
    const accept = req.headers.get('accept') ?? '';
    return (
      accept.includes('application/json') &&
      accept.includes('text/event-stream') &&
      (req.headers.get('content-type') ?? '').startsWith('application/json')
    );
  }

  /**
   * The call this body is, when the direct path may take it. A 2025-era call has no `_meta`; on a
   * session (`headers` given) its MCP-Protocol-Version, if any, is one the SDK's session transport
   * accepts. A 2026-07-28 call (`modern`: HTTP, no session) has the envelope only, its version the
   * one of the MCP-Protocol-Version header, and the Mcp-Method and Mcp-Name headers name the call
   * as its body does. stdio gives no headers.
   */
  match(body: unknown, headers?: CallHeaders, modern = false): DirectCall | undefined {
    if (!isObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call' || !isId(body.id)) return;
    if (!onlyKeys(body, ['jsonrpc', 'id', 'method', 'params'])) return;
    const { params } = body;
    if (!isObject(params) || typeof params.name !== 'string') return;
    if (!onlyKeys(params, modern ? ['name', 'arguments', '_meta'] : ['name', 'arguments'])) return;
    if (modern) {
      const meta = params._meta;
      if (!headers || !isObject(meta) || !onlyKeys(meta, ENVELOPE)) return;
      const version = meta[PROTOCOL_VERSION_META_KEY];
      if (typeof version !== 'string' || !MODERN_VERSIONS.includes(version) || headers.version !== version)
        return;
      // the SDK refuses an envelope without clientCapabilities (-32602, HTTP 400): it does so still
      if (!isObject(meta[CLIENT_CAPABILITIES_META_KEY])) return;
      if (headers.method !== 'tools/call' || headers.name !== params.name) return;
    } else if (headers?.version != null && !SUPPORTED_PROTOCOL_VERSIONS.includes(headers.version)) return;
    const tool = this.byName.get(params.name);
    const args = params.arguments ?? {};
    if (!tool || !isObject(args)) return;
    return { id: body.id, tool, args, modern };
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

  /**
   * Run the call; its JSON-RPC response as text, or undefined when it was cancelled (by
   * notifications/cancelled on its `scope`, or `dropped`: over HTTP, the client closed the request).
   * A stateless request has no scope: its ids are unique only to its client, so only a drop stops it.
   */
  async answer(
    scope: string | undefined,
    call: DirectCall,
    principal: Principal,
    dropped?: AbortSignal,
  ): Promise<string | undefined> {
    const key = scope === undefined ? undefined : `${scope} ${String(call.id)}`;
    const abort = new AbortController();
    const onDrop = () => abort.abort(new Error('the client closed the request'));
    if (dropped?.aborted) onDrop();
    dropped?.addEventListener('abort', onDrop, { once: true });
    if (key) this.running.set(key, abort);
    let result: string;
    try {
      const out = await invoke(call.tool, call.args, { core: this.core, principal, signal: abort.signal });
      result = successJson(call.tool, out);
    } catch (e) {
      result = members(errorResult(e as AppError));
    } finally {
      if (key) this.running.delete(key);
      dropped?.removeEventListener('abort', onDrop);
    }
    if (abort.signal.aborted) return undefined;
    const modern = call.modern ? this.modernMembers : '';
    return `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":{${result}${modern}}}`;
  }
}

/** An object's members as JSON text, without its braces (to be joined with more members). */
const members = (o: object): string => JSON.stringify(o).slice(1, -1);

/**
 * A tool result's members as JSON text (without the braces): the result's JSON is both the text
 * block and structuredContent.
 */
function successJson(tool: Tool, out: unknown): string {
  const json = JSON.stringify(out);
  const content = tool.content
    ? JSON.stringify(tool.content(out))
    : `[{"type":"text","text":${JSON.stringify(json)}}]`;
  return `"content":${content},"structuredContent":${json}`;
}
