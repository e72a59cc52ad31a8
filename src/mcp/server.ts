import { McpServer } from '@modelcontextprotocol/server';
import type { Core } from '../core/core.js';
import { INSTRUCTIONS } from '../resources/instructions.js';
import type { Tool } from '../tools/define.js';
import { TOOLS } from '../tools/index.js';
import { registerPrompts } from './prompts.js';
import { requestStateCodec } from './request-state.js';
import { registerResources } from './resources.js';
import { type PrincipalOf, registerTools } from './tools.js';

export interface McpServerOptions {
  /** The tools to serve (default: TOOLS). */
  tools?: readonly Tool[];
  /** Registers more on each server; tests add the conformance fixtures this way (test/fixtures/). */
  extra?: (server: McpServer) => void;
  /**
   * The protocol generation this server answers, when known before the first message (HTTP:
   * 2026-07-28 stateless requests are modern, sessions legacy): the task capabilities differ.
   */
  era?: 'legacy' | 'modern';
}

/** The server's name, title and version, as initialize and 2026-07-28 results give them. */
export const serverInfo = (core: Core) => ({
  name: 'mahavishnu',
  title: 'mahavishnu ops control plane',
  version: core.version,
});

/** One MCP server (one per session on HTTP, one per process on stdio) over the shared core. */
export function createMcpServer(
  core: Core,
  principalOf: PrincipalOf,
  { tools = TOOLS, extra, era }: McpServerOptions = {},
): McpServer {
  const server = new McpServer(serverInfo(core), {
    instructions: INSTRUCTIONS,
    capabilities: { logging: {} },
    // a tool's requestState comes back signed, or the call is refused (-32602)
    requestState: { verify: (state, ctx) => requestStateCodec(core).verify(state, ctx) },
  });
  registerTools(server, core, tools, principalOf, era);
  registerResources(server, core, principalOf);
  registerPrompts(server, core);
  extra?.(server);
  return server;
}
