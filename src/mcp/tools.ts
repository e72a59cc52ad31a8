import {
  type CallToolResult,
  type InputRequests,
  inputRequired,
  type McpServer,
  type Tool as McpTool,
  MissingRequiredClientCapabilityError,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Core } from '../core/core.js';
import type { AppError } from '../core/errors.js';
import { type Principal, roleAllows } from '../core/principal.js';
import type { ClientChannel, Tool } from '../tools/define.js';
import { findTool } from '../tools/find-tool.js';
import { CapabilityRequired, InputRequired } from '../tools/input-required.js';
import { invoke } from '../tools/invoke.js';
import { toolJsonSchema } from '../tools/json-schema.js';
import { servedTools } from '../tools/policy.js';
import { mcpError } from './errors.js';
import { narrator } from './narrate.js';
import { requestStateCodec } from './request-state.js';
import { registerTaskHandlers, startTask, taskCapabilities, taskRequest } from './tasks.js';

/** The MCP description of a tool: title, description, strict schemas and all four hints. */
export function describeTool(tool: Tool): McpTool {
  const schema = toolJsonSchema(tool);
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: schema.input as McpTool['inputSchema'],
    outputSchema: schema.output as McpTool['outputSchema'],
    // the title once, at the top (annotations.title is the older place for the same text)
    annotations: {
      readOnlyHint: tool.hints.readOnly,
      destructiveHint: tool.hints.destructive,
      idempotentHint: tool.hints.idempotent,
      openWorldHint: tool.hints.openWorld,
    },
    // long tools may be called as tasks (2025-11-25 task augmentation); the others may not
    ...(tool.long ? { execution: { taskSupport: 'optional' } } : {}),
  };
}

/** A tool's output as MCP shows it: its content blocks (JSON text by default) and structuredContent. */
export const toolResult = (tool: Tool, result: unknown): CallToolResult => ({
  content: tool.content
    ? (tool.content(result) as CallToolResult['content'])
    : [{ type: 'text', text: JSON.stringify(result) }],
  structuredContent: result as Record<string, unknown>,
});

/**
 * An error as a tool error result. Its data (approval_required's approval_id and plan,
 * invalid_input's problems) goes in a JSON block: structuredContent would be checked against the
 * tool's output schema by clients.
 */
export const errorResult = (
  err: Pick<AppError, 'code' | 'message' | 'details'> & { toJSON?: () => unknown },
) => ({
  isError: true,
  content: [
    { type: 'text' as const, text: `${err.code}: ${err.message}` },
    ...(err.details
      ? [{ type: 'text' as const, text: JSON.stringify({ error: err.toJSON?.() ?? err }) }]
      : []),
  ],
});

/** The caller of one request, from the handler's context (HTTP: the verified token's user). */
export type PrincipalOf = (ctx: Pick<ServerContext, 'http'>) => Principal;

/**
 * Tools are served through the SDK's low-level handlers rather than McpServer.registerTool:
 * registerTool validates input and maps errors itself, and here `invoke` is the only place that
 * does either, so every face reports the same errors the same way.
 */
export function registerTools(
  server: McpServer,
  core: Core,
  tools: readonly Tool[],
  principalOf: PrincipalOf,
  era?: 'legacy' | 'modern',
) {
  server.server.registerCapabilities({ tools: { listChanged: true }, ...taskCapabilities(era) });
  registerTaskHandlers(server, core, principalOf, (t) => {
    if (t.status === 'completed') return toolResult(findTool(t.tool, tools), t.output);
    const { code = 'internal', message = t.statusMessage ?? 'failed', ...details } = t.error ?? {};
    return errorResult({ code: code as AppError['code'], message: String(message), details });
  });
  // a caller sees the tools its role and the policy let it call, and no others
  server.server.setRequestHandler('tools/list', (_request, ctx) => {
    const { role } = principalOf(ctx);
    return {
      tools: servedTools(tools, core.config.policy)
        .filter((t) => roleAllows(role, t.role))
        .map(describeTool),
    };
  });
  server.server.setRequestHandler('tools/call', async (request, extra): Promise<CallToolResult> => {
    let tool: Tool;
    try {
      tool = findTool(request.params.name, tools);
    } catch (e) {
      // the spec makes an unknown tool a protocol error; its data is the error every face reports
      throw mcpError(e as AppError);
    }
    const token = extra.mcpReq._meta?.progressToken ?? request.params._meta?.progressToken;
    const client: ClientChannel = {
      // the SDK drops messages below the level the client set with logging/setLevel
      log: (level, data) => extra.mcpReq.log(level, data).catch(() => {}),
      // sampling/createMessage and elicitation/create: the SDK infers the result schema from the method
      request: async (method, params) =>
        (await extra.mcpReq.send({ method: method as 'sampling/createMessage', params })) as Record<
          string,
          unknown
        >,
      closeStream: extra.http?.closeSSE,
      ...(extra.mcpReq.inputResponses ? { inputResponses: extra.mcpReq.inputResponses } : {}),
      ...(typeof extra.mcpReq.requestState?.() === 'string'
        ? { requestState: extra.mcpReq.requestState() as string }
        : {}),
      // approval_required's approve_url goes out as a URL elicitation to clients that can open one
      elicitsUrl: elicitsUrl(server, extra),
      declares: (capability) => capsOf(server, extra)[capability] !== undefined,
      notify: (method, params) => extra.mcpReq.notify({ method, params } as never),
    };
    const asTask = taskRequest(tool, request.params as { task?: unknown }, extra);
    if (asTask)
      return (await startTask(
        core,
        tool,
        request.params.arguments ?? {},
        asTask.ttlMs,
        principalOf(extra),
        client,
        extra,
      )) as CallToolResult;
    let last = Number.NEGATIVE_INFINITY;
    let sent: Promise<void> = Promise.resolve();
    // long tools also tell the client in log messages (at the level it set)
    const narrate = tool.long ? narrator(client, tool.name) : undefined;
    try {
      const result = await invoke(tool, request.params.arguments ?? {}, {
        core,
        principal: principalOf(extra),
        signal: extra.mcpReq.signal,
        client,
        progress: (p) => {
          narrate?.progress(p);
          if (token === undefined) return;
          // progress must increase; drop reports that do not
          if (p.progress <= last) return;
          last = p.progress;
          // chained, and awaited before the result, so no report arrives after the response
          sent = sent.then(() =>
            extra.mcpReq
              .notify({ method: 'notifications/progress', params: { progressToken: token, ...p } })
              .catch(() => {}),
          );
        },
      });
      narrate?.ended();
      await sent;
      // The SDK client runs notification handlers a microtask late but handles a response at
      // once, dropping progress that arrives in the same read as the result; a macrotask gap
      // lets the last report go out in its own write.
      if (last !== Number.NEGATIVE_INFINITY) await new Promise((r) => setImmediate(r));
      return toolResult(tool, result);
    } catch (e) {
      if (e instanceof CapabilityRequired)
        throw new MissingRequiredClientCapabilityError(
          { requiredCapabilities: { [e.capability]: {} } },
          `${tool.name} needs the client's ${e.capability} capability; declare it and call again`,
        );
      if (e instanceof InputRequired)
        return inputRequired({
          inputRequests: e.requests as InputRequests,
          ...(e.state !== undefined
            ? { requestState: await requestStateCodec(core).mint(e.state, extra) }
            : {}),
        }) as unknown as CallToolResult;
      narrate?.ended(e as AppError);
      // a cancelled call gets no response (the spec says so): close its stream instead of leaving
      // the client's request open (Streamable HTTP sessions; other transports have no stream)
      if (extra.mcpReq.signal.aborted) extra.http?.closeSSE?.();
      return errorResult(e as AppError);
    }
  });
}

/** Whether the client declared URL-mode elicitation: at initialize (2025-11-25) or in the request's envelope. */
/** The client's capabilities: the request's own (2026-07-28 envelope) or the session's. */
function capsOf(server: McpServer, extra: ServerContext): Record<string, unknown> {
  const envelope = extra.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities' as never];
  return ((envelope ?? server.server.getClientCapabilities()) as Record<string, unknown> | undefined) ?? {};
}

function elicitsUrl(server: McpServer, extra: ServerContext): boolean {
  return (capsOf(server, extra).elicitation as { url?: unknown } | undefined)?.url !== undefined;
}
