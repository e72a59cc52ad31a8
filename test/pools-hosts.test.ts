import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { invoke } from '../src/tools/invoke.js';
import { poolScale } from '../src/tools/pool/scale.js';
import { childEnv } from './helpers/cli.js';
import { admin, testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';

/**
 * A pool's size is the pool's across hosts: two `mahavishnu worker` processes on one PostgreSQL
 * divide its slots, so `pool scale --target 4` gives 4 workers in all, 2 per host; when one host
 * dies its slots move to the other within a lease.
 */
describe('a pool on two hosts', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  const procs: ReturnType<typeof startWorker>[] = [];

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('postgres'));
    await core.pools.store.create({ name: 'wide', type: 'mahavishnu', min: 1, max: 8, autoscale: false });
  });
  afterAll(async () => {
    await Promise.all(procs.map(stopWorker));
    await cleanup();
    tmp.remove();
  });

  it('scale --target 4 gives 4 workers in all, and a dead host’s slots move to the other', async () => {
    const env = childEnv(tmp.path, {
      MAHAVISHNU_DATABASE__URL: core.config.database.url!,
      MAHAVISHNU_POOLS__LEASE_MS: '2000',
      MAHAVISHNU_POOLS__TICK_MS: '100',
    });
    const a = startWorker('wide', env);
    const b = startWorker('wide', env);
    procs.push(a, b);
    await waitFor('both hosts to report', async () => (await core.pools.status('wide')).hosts === 2);
    const out = await invoke(poolScale, { pool: 'wide', target: 4 }, { core, principal: admin });
    expect(out.desired).toBe(4);
    const status = await waitFor('4 workers in all, 2 per host', async () => {
      const s = await core.pools.status('wide');
      const idle = s.members.map((m) => m.idle + m.starting);
      return s.workers.total === 4 && idle.join() === '2,2' && s;
    });
    expect(status.members.map((m) => m.slots)).toEqual([2, 2]);

    const gone = new Promise((r) => a.once('exit', r));
    a.kill('SIGKILL');
    await gone;
    const after = await waitFor(
      'the survivor to hold all 4 slots',
      async () => {
        const s = await core.pools.status('wide');
        return s.hosts === 1 && s.workers.total === 4 && s.members[0]!.slots === 4 && s;
      },
      15_000,
    );
    expect(after.members[0]!.pid).toBe(b.pid);
  }, 40_000);
});
