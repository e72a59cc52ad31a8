import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpAgent, mcpOverHttp, promptFacts } from './helpers/mcp-client.js';
import { privatePostgres } from './helpers/private-pg.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

/**
 * The state store (a private PostgreSQL) stops under a running server: an agent whose token was
 * seen before the outage still reaches MCP over Streamable HTTP, store-backed calls fail fast
 * with `unavailable` and the next step, and the same client recovers when the store returns.
 */
describe('MCP over HTTP while PostgreSQL is down', () => {
  let pg: Awaited<ReturnType<typeof privatePostgres>>;
  let t: TestServer;
  let token: string;
  let before: McpAgent;

  beforeAll(async () => {
    pg = await privatePostgres();
    t = await startTestServer({ database: { url: pg.url } });
    token = await t.tokenFor('operator');
    before = await mcpOverHttp(t.url, token);
    expect(await before.tool('pool_list')).toHaveProperty('pools');
    pg.stop();
  }, 60_000);
  afterAll(async () => {
    await before?.close().catch(() => {});
    try {
      pg?.start();
    } catch {}
    await t?.stop();
    pg?.remove();
  });

  it('a new session with a token seen before: initialize, tools/list, a runbook, the outage prompt, health', async () => {
    const agent = await mcpOverHttp(t.url, token);
    try {
      // the instructions carry the CLI ↔ tool naming rule and where to start
      expect(agent.client.getInstructions()).toContain('joined by _');
      const { tools } = await agent.client.listTools();
      expect(tools.map((x) => x.name)).toContain('ecosystem_restart_database');
      expect(await agent.read('runbook://incident-response')).toContain('If the state store is unreachable');
      const health = JSON.parse(await agent.read('mahavishnu://health'));
      expect(health.components).toContainEqual(
        expect.objectContaining({ name: 'state_store', status: 'unhealthy', critical: true }),
      );
      const outage = await agent.prompt('outage');
      const facts = promptFacts(outage);
      expect(facts.state_store).toMatchObject({ reachable: false });
      expect(facts.not_healthy).toContainEqual(expect.objectContaining({ name: 'state_store' }));
    } finally {
      await agent.close();
    }
  });

  it('a store-backed tool fails fast with unavailable, the next step, and no connection URL', async () => {
    const started = Date.now();
    const r = await before.tool('pool_list');
    const took = Date.now() - started;
    expect(String(r.error)).toMatch(/unavailable/);
    expect(String(r.error)).toContain('runbook://incident-response');
    expect(String(r.error)).toContain('ecosystem_restart_database');
    expect(String(r.error)).not.toContain('postgres://');
    expect(String(r.error)).not.toContain(String(pg.port));
    // a liveness bound, wide for a loaded machine: the connect timeout is 2 s, a refused connection is at once
    expect(took).toBeLessThan(10_000);
  });

  it('the open /ready answers 503 saying the store is down, without its URL, port or folder', async () => {
    const r = await fetch(`${t.url}/ready`);
    expect(r.status).toBe(503);
    const text = await r.text();
    expect(text).toContain('state store');
    for (const leak of ['postgres://', `:${pg.port}`, pg.url, '/tmp/', '    at '])
      expect(text, leak).not.toContain(leak);
  });

  it('while the store is known down, authentication waits for it no more: only the tool tries it', async () => {
    const reads = { user: 0, keys: 0, pools: 0 };
    const tokenState = t.core.users.tokenState.bind(t.core.users);
    t.core.users.tokenState = (u) => {
      reads.user++;
      return tokenState(u);
    };
    const query = t.core.db.query.bind(t.core.db);
    t.core.db.query = (sql, params) => {
      if (sql.includes('signing_keys')) reads.keys++;
      if (sql.includes('FROM pools')) reads.pools++;
      return query(sql, params);
    };
    try {
      // past the signing keys' 1 s copy and the 5 s user lookup: both would be read again if the store were up
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 2000));
        expect(String((await before.tool('pool_list')).error)).toMatch(/^unavailable/);
      }
      expect(reads).toEqual({ user: 0, keys: 0, pools: 3 });
    } finally {
      t.core.users.tokenState = tokenState;
      t.core.db.query = query;
    }
  });

  it('after PostgreSQL returns, the same client calls succeed without reconnecting', async () => {
    pg.start();
    await waitFor(
      'pool_list to answer again',
      async () => 'pools' in (await before.tool('pool_list')),
      20_000,
    );
  });
});
