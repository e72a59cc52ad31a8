import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { childEnv, cli } from './helpers/cli.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';
import { allRunsEnded, stepStates, writeWorkflows } from './helpers/workflows.js';

const RUNS = 30;

/**
 * Two processes (`mahavishnu worker`) serve one pool from one PostgreSQL. One is killed with
 * SIGKILL mid-run: its leases expire, the other reclaims the steps, and every run succeeds.
 */
describe('two worker processes on one PostgreSQL', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  let env: Record<string, string>;
  const procs: ReturnType<typeof startWorker>[] = [];

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      nap: `
name: nap
description: half a second of work
pool: shared
steps:
  - name: nap
    argv: [sleep, "0.5"]
retries: 2
`,
    });
    ({ core, cleanup } = await testCore('postgres', { workflows: { dir } }));
    env = childEnv(tmp.path, {
      MAHAVISHNU_DATABASE__URL: core.config.database.url,
      MAHAVISHNU_POOLS__LEASE_MS: '3000',
      MAHAVISHNU_POOLS__TICK_MS: '100',
      MAHAVISHNU_POOLS__DRAIN_TIMEOUT_MS: '1000',
      MAHAVISHNU_WORKFLOWS__DIR: dir,
    });
    await core.pools.store.create({ name: 'shared', type: 'mahavishnu', min: 2, max: 2, autoscale: false });
  });
  afterAll(async () => {
    await Promise.all(procs.map(stopWorker));
    await cleanup();
    tmp.remove();
  });

  it('the survivor finishes the work of the killed one', async () => {
    const a = startWorker('shared', env);
    const b = startWorker('shared', env);
    procs.push(a, b);
    // both report their workers through the store, so the (store-scope) CLI sees them
    // both report, and the slots have settled: a host that started first may hold both slots
    // until the second claims its share, and its second worker drains (and counts) until then
    await waitFor('both processes to report and share the 2 slots', async () => {
      const s = await core.pools.status('shared');
      return s.hosts === 2 && s.workers.total === 2;
    });
    const listed = cli(['pool', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).pools[0]).toMatchObject({
      name: 'shared',
      hosts: 2,
      workers: { total: 2 }, // the pool's size is the pool's: the two hosts share its 2 slots
    });

    for (let i = 0; i < RUNS; i++)
      await core.workflows.run({ name: 'nap', params: {}, timeout_ms: 1, retries: 0 }, 't');
    await waitFor('process A to hold steps', async () => {
      const rows = await core.db.query(
        "SELECT id FROM workflow_steps WHERE state = 'running' AND lease_owner LIKE $1",
        [`%:${a.pid}:%`],
      );
      return rows.length > 0;
    });
    const gone = new Promise((r) => a.once('exit', r));
    a.kill('SIGKILL');
    await gone;
    // what A held when it died can only be finished by B, after A's leases expire
    const heldByA = (
      await core.db.query<{ id: string }>(
        "SELECT id FROM workflow_steps WHERE state = 'running' AND lease_owner LIKE $1",
        [`%:${a.pid}:%`],
      )
    ).map((r) => r.id);
    expect(heldByA.length).toBeGreaterThan(0);

    await waitFor('every run to end', () => allRunsEnded(core), 40_000);
    expect(await stepStates(core), b.log()).toEqual({ succeeded: RUNS });
    const retried = await core.db.query<{ attempts: number }>(
      `SELECT attempts FROM workflow_steps WHERE id IN (${heldByA.map((_, i) => `$${i + 1}`).join(', ')})`,
      heldByA,
    );
    for (const r of retried) expect(Number(r.attempts)).toBeGreaterThanOrEqual(2);
    expect(b.exitCode).toBeNull();
  }, 60_000); // it waits up to 40 s for every step to end, inside this timeout
});
