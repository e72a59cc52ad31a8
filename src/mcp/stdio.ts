import type { McpServer } from '@modelcontextprotocol/server';
import { serveStdio as serveSdkStdio } from '@modelcontextprotocol/server/stdio';
import type { Core } from '../core/core.js';
import type { Principal } from '../core/principal.js';
import { TOOLS } from '../tools/index.js';
import { DirectCalls } from './direct-calls.js';
import { onServedToolsChange } from './list-changed.js';
import { createMcpServer, serverInfo } from './server.js';
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
  const principal: Principal = { username, role, transport: 'stdio' };
  const wire = new GuardedStdio();
  // plain read-only calls are answered without the SDK's per-message work (src/mcp/direct-calls.ts)
  const direct = new DirectCalls(core, TOOLS, serverInfo(core));
  wire.intercept = (message) => {
    const call = direct.match(message);
    if (!call) {
      direct.cancel('stdio', message); // the SDK sees the cancel too, for its own calls
      return false;
    }
    void direct
      .answer('stdio', call, principal)
      .then((answer) => (answer === undefined ? undefined : wire.sendLine(answer)))
      .catch((e) => core.log.debug({ err: e }, 'MCP stdio answer not written'));
    return true;
  };
  const closed = new Promise<void>((resolve) => {
    process.stdin.on('end', () => resolve());
    process.stdin.on('close', () => resolve());
  });
  // the connection's server (the SDK makes one per connection, and one for a discover probe)
  let current: McpServer | undefined;
  onServedToolsChange(core, TOOLS, () => current?.sendToolListChanged());
  const handle = serveSdkStdio(
    (ctx) => {
      current = createMcpServer(core, () => principal, { era: ctx.era });
      return current;
    },
    {
      // refuses requests before initialize, survives an oversized line (src/mcp/stdio-wire.ts)
      transport: wire,
      onerror: (e) => core.log.debug({ err: e }, 'MCP stdio message refused'),
    },
  );
  core.log.info({ principal: username, role }, 'MCP server on stdio');
  await closed;
  await handle.close().catch(() => {});
}
