import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AppError } from '../core/errors.js';

export interface McpProbe {
  server: string;
  version: string;
  protocol_version: string | undefined;
  tools: number;
}

/** Initialize an MCP session over Streamable HTTP and list the tools (mcp status, test --smoke). */
export async function probeMcp(
  url: string,
  token: string | undefined,
  opts: { call?: { name: string; arguments: Record<string, unknown> }; timeoutMs?: number } = {},
): Promise<McpProbe & { called?: unknown }> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  // 'auto' probes with server/discover (2026-07-28) and falls back to initialize on older servers
  const client = new Client(
    { name: 'mahavishnu-cli', version: '1' },
    { versionNegotiation: { mode: 'auto' } },
  );
  const timeout = opts.timeoutMs ?? 10_000;
  try {
    await client.connect(transport, { timeout });
    const info = client.getServerVersion();
    const { tools } = await client.listTools(undefined, { timeout });
    const out: McpProbe & { called?: unknown } = {
      server: info?.name ?? '?',
      version: info?.version ?? '?',
      protocol_version: client.getNegotiatedProtocolVersion(),
      tools: tools.length,
    };
    if (opts.call) {
      const r = await client.callTool(opts.call, { timeout });
      if (r.isError)
        throw new AppError('internal', `tool ${opts.call.name} failed: ${JSON.stringify(r.content)}`);
      out.called = r.structuredContent;
    }
    return out;
  } catch (e) {
    if (e instanceof AppError) throw e;
    const msg = (e as Error).message;
    if (/401|unauthenticated|Unauthorized/i.test(msg))
      throw new AppError('unauthenticated', `MCP over ${url}/mcp refused the token: set MAHAVISHNU_TOKEN`);
    throw new AppError('unavailable', `MCP over ${url}/mcp failed: ${msg}`);
  } finally {
    await client.close().catch(() => {});
  }
}
