import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Core } from '../core/core.js';
import { createMcpServer } from './server.js';

/**
 * Serve MCP over stdin/stdout until the client closes stdin. stdout carries protocol messages
 * only: logs go to stderr, and console.log is pointed there too in case a library uses it.
 */
export async function serveStdio(core: Core): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  const { username, role } = core.config.mcp.stdio_principal;
  const server = createMcpServer(core, () => ({ username, role, transport: 'stdio' }));
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  await server.connect(transport);
  core.log.info({ principal: username, role }, 'MCP server on stdio');
  await closed;
  await server.close().catch(() => {});
}
