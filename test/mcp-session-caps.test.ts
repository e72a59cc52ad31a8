import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';

const connect = async (url: string, token: string) => {
  const c = new Client({ name: 'caps', version: '1.0.0' });
  await c.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: bearer(token) } }),
  );
  return c;
};

describe('MCP sessions are capped per principal', () => {
  let t: TestServer;
  const open: Client[] = [];
  beforeAll(async () => {
    // the whole server holds as many sessions as one user may open: the viewer can fill it
    t = await startTestServer({ server: { max_mcp_sessions: 4, max_mcp_sessions_per_user: 4 } });
  });
  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {});
    await t.stop();
  });

  it('a viewer opening sessions until refused leaves an admin able to initialize', async () => {
    const viewer = await t.tokenFor('viewer', 'greedy');
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) {
      try {
        open.push(await connect(t.url, viewer));
      } catch (e) {
        refused = e;
      }
    }
    expect(open).toHaveLength(4);
    expect(String(refused)).toMatch(/429|max_mcp_sessions_per_user/);
    const admin = await connect(t.url, await t.tokenFor('admin', 'root'));
    open.push(admin);
    await expect(admin.listTools()).resolves.toMatchObject({ tools: expect.any(Array) });
  });
});
