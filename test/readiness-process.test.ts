import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv } from './helpers/cli.js';
import { freshDatabase, PG_ADMIN_URL } from './helpers/pg.js';
import { type TcpProxy, tcpProxy } from './helpers/proxy.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

type Text = { text: string };

/**
 * A running mahavishnu process (MCP over stdio) on PostgreSQL behind a TCP proxy: PostgreSQL
 * "goes away" (connections reset, new ones refused) and comes back; readiness follows, calls fail
 * with unavailable meanwhile, and the process never dies.
 */
describe('a running process when PostgreSQL goes away and comes back', () => {
  const tmp = tempDir();
  let pg: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let client: Client;
  let exited = false;

  const health = async () =>
    JSON.parse(((await client.readResource({ uri: 'mahavishnu://health' })).contents[0] as Text).text) as {
      status: string;
      components: { name: string; status: string }[];
    };
  const auditList = () => client.callTool({ name: 'audit_list', arguments: { limit: 1 } });

  beforeAll(async () => {
    pg = await freshDatabase();
    proxy = await tcpProxy('127.0.0.1', Number(new URL(pg.url).port || 5432));
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', 'start'],
      env: childEnv(tmp.path, {
        MAHAVISHNU_DATABASE__URL: url.toString(),
        MAHAVISHNU_DATABASE__CONNECT_TIMEOUT_S: '2',
      }),
      stderr: 'pipe',
    });
    transport.onclose = () => {
      exited = true;
    };
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await pg?.drop();
    tmp.remove();
  });

  it('is ready on PostgreSQL', async () => {
    const h = await health();
    expect(h.status).toBe('healthy');
    expect(h.components.find((c) => c.name === 'state_store')).toMatchObject({ status: 'healthy' });
  });

  it('goes unhealthy when PostgreSQL is away, fails calls with unavailable, and recovers by itself', async () => {
    await proxy.cut();
    await waitFor('health to be unhealthy', async () => (await health()).status === 'unhealthy');
    const r = await auditList();
    expect(r.isError).toBe(true);
    expect((r.content as Text[])[0]!.text).toMatch(/^unavailable: /);
    await proxy.restore();
    await waitFor('health to be healthy again', async () => (await health()).status === 'healthy');
    expect((await auditList()).isError).toBeFalsy();
    expect(exited).toBe(false);
  });

  it('keeps serving while its backends are terminated again and again', async () => {
    const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
    const dbName = new URL(pg.url).pathname.slice(1);
    const texts: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const call = auditList();
        await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${dbName} AND pid <> pg_backend_pid()`;
        const r = await call;
        if (r.isError) texts.push((r.content as Text[])[0]!.text);
      }
    } finally {
      await admin.end();
    }
    for (const t of texts) expect(t).toMatch(/^unavailable: /);
    await waitFor('health to be healthy', async () => (await health()).status === 'healthy');
    expect((await auditList()).isError).toBeFalsy();
    expect(exited).toBe(false);
  });
});
