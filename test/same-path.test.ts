import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCommand } from '../src/cli/commands.js';
import type { Core } from '../src/core/core.js';
import { AppError } from '../src/core/errors.js';
import { createApp } from '../src/http/app.js';
import { McpHttp } from '../src/mcp/http.js';
import { createMcpServer } from '../src/mcp/server.js';
import { TOOLS } from '../src/tools/index.js';
import { admin, testCore } from './helpers/core.js';

/** An SDK client on the in-memory transport to a server over `core`, acting as `admin`. */
async function mcpClient(core: Core): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createMcpServer(core, () => admin).connect(a);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(b);
  return client;
}

/** The AppError-shaped object a call failed with, whatever the face. */
async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof McpError) return e.data as Record<string, unknown>;
    if (e instanceof AppError) return e.toJSON();
    throw e;
  }
  throw new Error('the call succeeded');
}

describe('every face reports an unknown tool the same way', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let client: Client;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore());
    client = await mcpClient(core);
  });
  afterAll(async () => {
    await client.close();
    await cleanup();
  });

  it('MCP tools/call, the HTTP action API and the CLI: not_found, with the nearest name', async () => {
    const expected = {
      code: 'not_found',
      message: expect.stringMatching(/^unknown tool "pool_spwn" \(did you mean "pool_spawn"\?\)/),
    };
    const mcp = await rejection(client.callTool({ name: 'pool_spwn', arguments: {} }));
    expect(mcp).toMatchObject(expected);

    const app = createApp({ core, state: { draining: false }, mcp: new McpHttp(core), tools: TOOLS });
    await core.users.create({ username: 'http-admin', role: 'admin' });
    const { token } = await core.tokens.mint('http-admin', 600);
    const res = await app.request('/api/v1/tools/pool_spwn', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, host: '127.0.0.1' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    const http = ((await res.json()) as { error: Record<string, unknown> }).error;
    expect(http).toMatchObject(expected);
    expect(http.message).toBe(mcp.message);

    // the CLI names commands, not tools: the same lookup error, for the command words
    const cli = await rejection(Promise.resolve().then(() => resolveCommand(['pool', 'spwn'])));
    expect(cli).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/^unknown command "pool spwn" \(did you mean "pool spawn"\?\)/),
    });
  });
});

describe('live MCP resources go through the list tools, so policy applies', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let client: Client;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', { policy: { disabled_tools: ['backup'] } }));
    client = await mcpClient(core);
  });
  afterAll(async () => {
    await client.close();
    await cleanup();
  });

  it('refuses mahavishnu://backups when backup_list is disabled, and serves mahavishnu://pools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).not.toContain('backup_list');
    const refused = await rejection(client.readResource({ uri: 'mahavishnu://backups' }));
    expect(refused).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('backup_list is not served: it is listed in policy.disabled_tools'),
    });
    const pools = await client.readResource({ uri: 'mahavishnu://pools' });
    expect(JSON.parse((pools.contents[0] as { text: string }).text)).toEqual({ pools: [] });
  });

  it('counts the resource read as a pool_list call', async () => {
    const before = await calls(core, 'pool_list');
    await client.readResource({ uri: 'mahavishnu://pools' });
    expect(await calls(core, 'pool_list')).toBe(before + 1);
  });
});

async function calls(core: Core, tool: string): Promise<number> {
  const m = (await core.metrics.registry.getMetricsAsJSON()).find(
    (x) => x.name === 'mahavishnu_tool_calls_total',
  );
  return (m?.values ?? []).filter((v) => v.labels.tool === tool).reduce((n, v) => n + v.value, 0);
}
