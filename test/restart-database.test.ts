import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/compose/open-core.js';
import { ConfigSchema } from '../src/core/config/schema.js';
import type { Core } from '../src/core/core.js';
import { Health } from '../src/core/health/health.js';
import { toolByName } from '../src/tools/index.js';
import { invoke } from '../src/tools/invoke.js';
import { admin } from './helpers/core.js';
import { freshDatabase, PG_ADMIN_URL } from './helpers/pg.js';
import { type TcpProxy, tcpProxy } from './helpers/proxy.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const auditList = toolByName.get('audit_list')!;
const restartDb = toolByName.get('ecosystem_restart_database')!;

/** The state store's readiness as /ready computes it: the overall status of the critical components. */
const ready = async (core: Core) => Health.overall(await core.health.components(true)) !== 'unhealthy';

describe('state store connections: restart in place, and recovery when PostgreSQL goes away', () => {
  const tmp = tempDir();
  let pg: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let core: Core;
  let dbName: string;

  beforeAll(async () => {
    pg = await freshDatabase();
    dbName = new URL(pg.url).pathname.slice(1);
    const pgPort = Number(new URL(pg.url).port || 5432);
    proxy = await tcpProxy('127.0.0.1', pgPort);
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    const config = ConfigSchema.parse({
      data: { dir: tmp.path },
      database: { url: url.toString(), connect_timeout_s: 2 },
      log: { level: 'silent' },
    });
    core = await openCore({ loaded: { config, sources: [], dir: tmp.path } });
  });
  afterAll(async () => {
    await core?.close();
    await proxy?.close();
    await pg?.drop();
    tmp.remove();
  });

  it('restart-database drops the connections: a query in flight gets a retryable unavailable, later calls work', async () => {
    const inFlight = core.db.query('SELECT pg_sleep(30)').then(
      () => 'finished',
      (e: unknown) => e,
    );
    // the sleep is running on a pooled connection before the restart cuts it
    const watcher = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
    await waitFor('the pg_sleep to run on a pooled connection', async () => {
      const rows =
        await watcher`SELECT 1 FROM pg_stat_activity WHERE datname = ${dbName} AND query LIKE 'SELECT pg_sleep%'`;
      return rows.length === 1;
    });
    await watcher.end();
    const out = await invoke(restartDb, {}, { core, principal: admin });
    expect(out).toMatchObject({
      restarted: ['state_store', 'cache'],
      components: expect.arrayContaining([
        expect.objectContaining({ name: 'state_store', status: 'healthy' }),
      ]),
    });
    expect(await inFlight).toMatchObject({ code: 'unavailable', retryable: true });
    await expect(invoke(auditList, { limit: 5 }, { core, principal: admin })).resolves.toBeTruthy();
  });

  it('survives backends being terminated again and again: failures are unavailable, never internal, and it recovers', async () => {
    const adminSql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
    const locker = postgres(pg.url, { max: 1, onnotice: () => {} });
    const codes: string[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        // hold the audit table so the calls wait on backends of their own, then terminate those:
        // each round cuts queries that are certainly in flight, not a race the calls may win
        await locker.begin(async (tx) => {
          await tx`LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE`;
          let ended = 0;
          const calls = Array.from({ length: 4 }, () =>
            invoke(auditList, { limit: 1 }, { core, principal: admin })
              .then(
                () => 'ok',
                (e: { code: string }) => e.code,
              )
              .finally(() => ended++),
          );
          await waitFor('a call to wait on the lock', async () => {
            const rows =
              await adminSql`SELECT 1 FROM pg_stat_activity WHERE datname = ${dbName} AND wait_event_type = 'Lock'`;
            return rows.length > 0;
          });
          // terminate whatever waits on the lock until every call has ended: a call that reached
          // the lock after a round of terminations (a slow machine) would otherwise wait for this
          // transaction, which waits for it
          await waitFor('every call to end', async () => {
            await adminSql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${dbName} AND wait_event_type = 'Lock'`;
            return ended === calls.length;
          });
          codes.push(...(await Promise.all(calls)));
        });
      }
    } finally {
      await adminSql.end();
      await locker.end();
    }
    expect(codes.filter((c) => c !== 'ok' && c !== 'unavailable')).toEqual([]);
    expect(codes).toContain('unavailable');
    await waitFor('the state store to be ready again', () => ready(core));
    await expect(invoke(auditList, { limit: 1 }, { core, principal: admin })).resolves.toBeTruthy();
  });

  it('when PostgreSQL goes away, readiness is unhealthy and calls fail fast with unavailable; it recovers by itself', async () => {
    await proxy.cut();
    await waitFor('the state store to be unready', async () => !(await ready(core)));
    const sc = (await core.health.components(true)).find((c) => c.name === 'state_store');
    expect(sc).toMatchObject({ status: 'unhealthy', critical: true });
    await expect(invoke(auditList, { limit: 1 }, { core, principal: admin })).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
    });
    await proxy.restore();
    await waitFor('the state store to be ready again', () => ready(core));
    await expect(invoke(auditList, { limit: 1 }, { core, principal: admin })).resolves.toBeTruthy();
  });
});
