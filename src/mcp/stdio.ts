import type { McpServer } from '@modelcontextprotocol/server';
import { serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import type { Core } from '../core/core.js';
import { TOOLS } from '../tools/index.js';
import { onServedToolsChange } from './list-changed.js';
import { createMcpServer } from './server.js';
import { GuardedStdio } from './stdio-wire.js';

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
  // the connection's server (the SDK makes one per connection, and one for a discover probe)
  let current: McpServer | undefined;
  onServedToolsChange(core, TOOLS, () => current?.sendToolListChanged());
  const handle = serveSdkStdio(
    (ctx) => {
      current = createMcpServer(core, () => ({ username, role, transport: 'stdio' }), { era: ctx.era });
      return current;
    },
    {
      // refuses requests before initialize, survives an oversized line (src/mcp/stdio-wire.ts)
      transport: new GuardedStdio(),
      onerror: (e) => core.log.debug({ err: e }, 'MCP stdio message refused'),
    },
  );
  core.log.info({ principal: username, role }, 'MCP server on stdio');
  await closed;
  await handle.close().catch(() => {});
}
