import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { childEnv } from './helpers/cli.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';

/**
 * Autoscaling with several hosts grows the pool to what the queue needs, not once per host: each
 * host used to add "queued − its own idle workers" to the desired size, so a second host, whose
 * share of the new slots had not started yet, added the whole queue again.
 */
describe('autoscale on two hosts', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  const procs: ReturnType<typeof startWorker>[] = [];

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('postgres', { workflows: { adhoc_executables: ['sleep'] } }));
    await core.pools.store.create({ name: 'elastic', type: 'mahavishnu', min: 0, max: 12, autoscale: true });
  });
  afterAll(async () => {
    await Promise.all(procs.map(stopWorker));
    await cleanup();
    tmp.remove();
  });

  it('grows to the queued work (6 steps → 6 workers) and no further', async () => {
    const env = childEnv(tmp.path, {
      MAHAVISHNU_DATABASE__URL: core.config.database.url!,
      MAHAVISHNU_POOLS__LEASE_MS: '3000',
      MAHAVISHNU_POOLS__TICK_MS: '100',
    });
    procs.push(startWorker('elastic', env), startWorker('elastic', env));
    await waitFor('both hosts to report', async () => (await core.pools.status('elastic')).hosts === 2);
    const pool = await core.pools.store.find('elastic');
    for (let i = 0; i < 6; i++)
      await core.workflows.run(
        { command: ['sleep', '4'], pool: 'elastic', params: {}, timeout_ms: 20_000, retries: 0 },
        't',
      );
    let most = 0;
    const seen: number[] = [];
    await waitFor(
      'all 6 steps running',
      async () => {
        const desired = (await core.pools.store.get(pool.id)).desired;
        most = Math.max(most, desired);
        if (seen.at(-1) !== desired) seen.push(desired);
        return (await core.workflows.runs.countSteps(pool.id, 'running')) === 6;
      },
      15_000,
      20,
    );
    // a few more passes of both hosts with everything running
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const desired = (await core.pools.store.get(pool.id)).desired;
      most = Math.max(most, desired);
      if (seen.at(-1) !== desired) seen.push(desired);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect({ most, seen }).toMatchObject({ most: 6 });
  }, 40_000);
});
