import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/compose/open-core.js';
import { ConfigSchema } from '../src/core/config/schema.js';
import type { Core } from '../src/core/core.js';
import { startPools } from '../src/core/pools/start.js';
import { freshDatabase } from './helpers/pg.js';
import { type TcpProxy, tcpProxy } from './helpers/proxy.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

/**
 * The state store (PostgreSQL, behind a proxy that can cut it) is away at the moment a step
 * ends, for longer than the step's lease: the result is kept (memory and spool file) and
 * recorded once the store is back, and the step does not run again; the same when the process
 * stops before the store is back, and the next one on the data directory replays the spool.
 */
describe('a step that ends while the store is down', () => {
  const tmp = tempDir();
  let pg: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let dir: string;
  const log = join(tmp.path, 'attempts.log');
  const cores: Core[] = [];

  const open = async () => {
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    const config = ConfigSchema.parse({
      data: { dir: tmp.path },
      database: { url: url.toString(), connect_timeout_s: 1 },
      log: { level: 'silent' },
      workflows: { dir },
      pools: { tick_ms: 100, lease_ms: 2000 },
    });
    const core = await openCore({ loaded: { config, sources: [], dir: tmp.path } });
    cores.push(core);
    return core;
  };
  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  const run = async (core: Core) =>
    (await core.workflows.run({ name: 'once', params: {}, timeout_ms: 1, retries: 0 }, 't')).id;

  beforeAll(async () => {
    dir = writeWorkflows(tmp.path, {
      once: `
name: once
description: appends its attempt to a file, then takes a second
pool: spool
params: {}
steps:
  - name: work
    argv: [sh, -c, "echo \\"$MAHAVISHNU_STEP_ID $MAHAVISHNU_ATTEMPT\\" >> \\"$0\\"; sleep 1", "${log}"]
retries: 3
`,
    });
    pg = await freshDatabase();
    proxy = await tcpProxy('127.0.0.1', Number(new URL(pg.url).port || 5432));
  });
  afterAll(async () => {
    for (const c of cores) await c.close().catch(() => {});
    await proxy.close();
    await pg.drop();
    tmp.remove();
  });

  it('records the result once the store is back, and the step is not run again', async () => {
    const core = await open();
    await startPools(core);
    await core.pools.spawn({ name: 'spool', type: 'mahavishnu', min: 1, max: 1, autoscale: false });
    const id = await run(core);
    await waitFor('the step to start', () => lines().length === 1);
    await proxy.cut();
    // the step ends a second later, the store still away; stay away past its lease (2 s)
    await new Promise((r) => setTimeout(r, 3500));
    expect(existsSync(join(tmp.path, 'pool-spool'))).toBe(true);
    await proxy.restore();
    await waitFor(
      'the run to succeed',
      async () => (await core.workflows.status(id)).state === 'succeeded',
      15_000,
    );
    const s = await core.workflows.status(id);
    expect(s.steps[0]).toMatchObject({ state: 'succeeded', attempts: 1 });
    // a while longer: no second attempt starts
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines()).toEqual([`${id}.0 1`]);
  }, 30_000);

  it('a process stopped before the store came back leaves its spool to the next one', async () => {
    const first = cores[0]!;
    const id = await run(first);
    await waitFor('the step to start', () => lines().length === 2);
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 1500)); // the step ended meanwhile
    await first.close().catch(() => {});
    await proxy.restore();
    const next = await open();
    await startPools(next);
    await waitFor(
      'the run to succeed',
      async () => (await next.workflows.status(id)).state === 'succeeded',
      10_000,
    );
    expect((await next.workflows.status(id)).steps[0]).toMatchObject({ state: 'succeeded', attempts: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(lines().filter((l) => l.startsWith(id))).toEqual([`${id}.0 1`]);
  }, 30_000);
});
