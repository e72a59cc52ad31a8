import { serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import type { Core } from '../core/core.js';
import { createMcpServer } from './server.js';

/**
 * Serve MCP over stdin/stdout until the client closes stdin. The SDK's serveStdio negotiates the
 * era from the first message: `server/discover` (2026-07-28) or `initialize` (2025-era), one
 * McpServer for the connection either way. stdout carries protocol messages only: logs go to
 * stderr, and console.log is pointed there too in case a library uses it.
 */
export async function serveStdio(core: Core): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  const { username, role } = core.config.mcp.stdio_principal;
  const closed = new Promise<void>((resolve) => {
    process.stdin.on('end', () => resolve());
    process.stdin.on('close', () => resolve());
  });
  const handle = serveSdkStdio(() => createMcpServer(core, () => ({ username, role, transport: 'stdio' })), {
    onerror: (e) => core.log.debug({ err: e }, 'MCP stdio message refused'),
  });
  core.log.info({ principal: username, role }, 'MCP server on stdio');
  await closed;
  await handle.close().catch(() => {});
}
