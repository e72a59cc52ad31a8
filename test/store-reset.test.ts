import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privatePostgres } from './helpers/private-pg.js';
import { type TcpProxy, tcpProxy } from './helpers/proxy.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

/**
 * The network between the server and PostgreSQL is reset (every connection gets an RST, new ones
 * are refused) while the pool holds several warm connections: the next store-backed call fails
 * with `unavailable` within about the connect timeout — it does not hang on a pooled connection
 * that died — and once traffic passes again the calls succeed without restarting the server.
 */
// plain TCP: the server's own sockets settle every query at the reset (src/infra/sql/pg-socket.ts);
// with a URL parameter the driver keeps its own sockets, and the stuck-call watch must catch it
for (const [label, query] of [
  ['plain TCP', ''],
  ["the driver's own sockets", '?sslmode=disable'],
] as const)
  describe(`state store: connections reset under a warm pool (${label})`, () => {
    let pg: Awaited<ReturnType<typeof privatePostgres>>;
    let proxy: TcpProxy;
    let t: TestServer;
    let token: string;

    // a bound on the wait, so a hang shows as an answer instead of a test timeout
    const poolList = async (bound = 15_000) => {
      const started = Date.now();
      const r = await fetch(`${t.url}/api/v1/tools/pool_list`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(bound),
      }).then(
        async (x) => ({ status: x.status, body: await x.text() }),
        (e: Error) => ({ status: 0, body: `no answer: ${e.name}` }),
      );
      return { ...r, took: Date.now() - started };
    };

    beforeAll(async () => {
      pg = await privatePostgres();
      proxy = await tcpProxy('127.0.0.1', pg.port);
      t = await startTestServer({
        database: {
          url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres${query}`,
          connect_timeout_s: 2,
        },
      });
      token = await t.tokenFor('operator');
    }, 60_000);
    afterAll(async () => {
      await t?.stop();
      await proxy?.close();
      pg?.remove();
    });

    it('while the store answers, a long statement outlives a pooled connection that closes', async () => {
      await Promise.all([poolList(), poolList(), poolList()]);
      const long = t.core.db.query<{ done: number }>('SELECT 1 AS done FROM pg_sleep(4)');
      const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        // an idle pooled connection ends (as a failover or an idle cut would): the watch looks at
        // the running statement after the connect timeout, finds the store answering, leaves it
        const cut = await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'mahavishnu' AND state = 'idle'`;
        expect(cut.length).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      expect(await long).toEqual([{ done: 1 }]);
    });

    it('after a reset, a store-backed call fails with unavailable, without the URL, instead of hanging', async () => {
      // several pooled connections in use at once: the state in which a reset used to strand a call
      for (let round = 0; round < 2; round++) {
        const warm = await Promise.all([poolList(), poolList(), poolList(), poolList()]);
        expect(warm.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      }
      await proxy.cut();
      for (let i = 0; i < 3; i++) {
        const r = await poolList();
        expect(r.status, r.body).toBe(503);
        expect(r.body).toMatch(/unavailable/);
        expect(r.body).toContain('runbook://incident-response');
        expect(r.body).not.toContain('postgres://');
        expect(r.body).not.toContain(String(proxy.port));
        // a liveness bound, wide for a loaded machine: the connect timeout is 2 s
        expect(r.took, `call ${i}`).toBeLessThan(5_000);
      }
    });

    it('once traffic passes again, calls succeed without a restart', async () => {
      await proxy.restore();
      await waitFor('pool_list to answer again', async () => (await poolList()).status === 200, 20_000);
      const after = await Promise.all([poolList(), poolList(), poolList()]);
      expect(after.map((r) => r.status)).toEqual([200, 200, 200]);
    });
  });
