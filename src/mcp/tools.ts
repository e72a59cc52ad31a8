import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { closest } from '../core/config/zod-issues.js';
import type { Core } from '../core/core.js';
import type { Principal } from '../core/principal.js';
import type { ClientChannel, Tool } from '../tools/define.js';
import { invoke } from '../tools/invoke.js';
import { servedTools } from '../tools/policy.js';

type JsonObject = { [k: string]: unknown };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): McpTool['inputSchema'] {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  delete json.$schema;
  // MCP wants an object at the root; a destructive tool's output is "result or dry-run plan".
  if (json.type !== 'object') json.type = 'object';
  return json as McpTool['inputSchema'];
}

/** The MCP description of a tool: title, description, strict schemas and all four hints. */
export function describeTool(tool: Tool): McpTool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(tool.input, 'input'),
    outputSchema: jsonSchema(tool.output, 'output') as McpTool['outputSchema'],
    annotations: {
      title: tool.title,
      readOnlyHint: tool.hints.readOnly,
      destructiveHint: tool.hints.destructive,
      idempotentHint: tool.hints.idempotent,
      openWorldHint: tool.hints.openWorld,
    },
  };
}

const RESULT_SCHEMAS: Record<string, z.ZodType> = {
  'sampling/createMessage': CreateMessageResultSchema,
  'elicitation/create': ElicitResultSchema,
};

export type PrincipalOf = (extra: {
  authInfo?: { extra?: Record<string, unknown> } | undefined;
}) => Principal;

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
) {
  const described = new Map<string, McpTool>();
  const describe = (t: Tool) => {
    let d = described.get(t.name);
    if (!d) {
      d = describeTool(t);
      described.set(t.name, d);
    }
    return d;
  };
  const byName = new Map(tools.map((t) => [t.name, t])); // one lookup per call, not a scan
  server.server.registerCapabilities({ tools: { listChanged: true } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: servedTools(tools, core.config.policy).map(describe),
  }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = request.params.name;
    const tool = byName.get(name);
    if (!tool) {
      const guess = closest(
        name,
        tools.map((t) => t.name),
      );
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown tool "${name}"${guess ? `; did you mean "${guess}"?` : ''} (tools/list shows every tool)`,
      );
    }
    const token = request.params._meta?.progressToken;
    const client: ClientChannel = {
      log: (level, data) =>
        extra.sendNotification({ method: 'notifications/message', params: { level, data } }).catch(() => {}),
      request: async (method, params) =>
        (await extra.sendRequest(
          { method, params } as Parameters<typeof extra.sendRequest>[0],
          RESULT_SCHEMAS[method] ?? z.looseObject({}),
        )) as Record<string, unknown>,
    };
    let last = Number.NEGATIVE_INFINITY;
    let sent: Promise<void> = Promise.resolve();
    try {
      const result = await invoke(tool, request.params.arguments ?? {}, {
        core,
        principal: principalOf(extra),
        signal: extra.signal,
        client,
        progress: (p) => {
          if (token === undefined) return;
          // progress must increase; drop reports that do not
          if (p.progress <= last) return;
          last = p.progress;
          // chained, and awaited before the result, so no report arrives after the response
          sent = sent.then(() =>
            extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...p } })
              .catch(() => {}),
          );
        },
      });
      await sent;
      // The SDK client runs notification handlers a microtask late but handles a response at
      // once, dropping progress that arrives in the same read as the result; a macrotask gap
      // lets the last report go out in its own write.
      if (last !== Number.NEGATIVE_INFINITY) await new Promise((r) => setImmediate(r));
      return {
        content: tool.content
          ? (tool.content(result) as CallToolResult['content'])
          : [{ type: 'text', text: JSON.stringify(result) }],
        structuredContent: result as Record<string, unknown>,
      };
    } catch (e) {
      const err = e as { code: string; message: string };
      return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}` }] };
    }
  });
}
