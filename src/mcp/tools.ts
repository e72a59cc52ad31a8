import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Core } from '../core/core.js';
import type { AppError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { ClientChannel, Tool } from '../tools/define.js';
import { findTool } from '../tools/find-tool.js';
import { invoke } from '../tools/invoke.js';
import { toolJsonSchema } from '../tools/json-schema.js';
import { servedTools } from '../tools/policy.js';
import { mcpError } from './errors.js';

/** The MCP description of a tool: title, description, strict schemas and all four hints. */
export function describeTool(tool: Tool): McpTool {
  const schema = toolJsonSchema(tool);
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: schema.input as McpTool['inputSchema'],
    outputSchema: schema.output as McpTool['outputSchema'],
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
  server.server.registerCapabilities({ tools: { listChanged: true } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: servedTools(tools, core.config.policy).map(describeTool),
  }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    let tool: Tool;
    try {
      tool = findTool(request.params.name, tools);
    } catch (e) {
      // the spec makes an unknown tool a protocol error; its data is the error every face reports
      throw mcpError(e as AppError);
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
      const err = e as AppError;
      // the error's data (approval_required's approval_id and plan, invalid_input's problems) as a
      // JSON block: structuredContent would be checked against the tool's output schema by clients
      return {
        isError: true,
        content: [
          { type: 'text', text: `${err.code}: ${err.message}` },
          ...(err.details ? [{ type: 'text' as const, text: JSON.stringify({ error: err.toJSON() }) }] : []),
        ],
      };
    }
  });
}
