import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCore } from '../../../test/helpers/core.js';
import { PostgresDb } from '../../infra/sql/postgres.js';
import type { Core } from '../core.js';
import type { Db } from '../sql/db.js';
import { StepQueue } from './queue.js';

const plan = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    argv: ['true'],
    cwd: '/',
    envAllow: [],
    envSet: {},
    timeoutMs: 1000,
    maxAttempts: 2,
  }));

/** The step queue on both stores: leases, guarded results, reclaiming expired leases. */
describe.each(['sqlite', 'postgres'] as const)('step queue on %s', (kind) => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let q: StepQueue;
  let poolId: string;

  beforeAll(async () => {
    ({ core, cleanup } = await testCore(kind));
    q = new StepQueue(core.db);
    poolId = (
      await core.pools.store.create({ name: 'q', type: 'mahavishnu', min: 0, max: 1, autoscale: false })
    ).id;
  });
  afterAll(async () => cleanup());

  const enqueue = (steps: number) =>
    core.workflows.runs.create({ workflow: 'w', poolId, params: {}, steps: plan(steps), requestedBy: 't' });

  it('runs the steps of a run in order and ends the run once', async () => {
    const run = await enqueue(2);
    const a = (await q.claim(poolId, 'me', 10_000))!;
    expect(a.id).toBe(`${run.id}.0`);
    expect(await q.claim(poolId, 'me', 10_000)).toBeUndefined(); // step 2 waits for step 1
    expect(
      await q.finish(a, 'me', { kind: 'exited', exitCode: 0, signal: null, timedOut: false, output: 'ok' }),
    ).toMatchObject({
      state: 'succeeded',
    });
    // the same result again, or from someone else, is refused
    expect(
      await q.finish(a, 'me', { kind: 'exited', exitCode: 1, signal: null, timedOut: false, output: '' }),
    ).toBeUndefined();
    const b = (await q.claim(poolId, 'me', 10_000))!;
    expect(await q.finish(b, 'other', { kind: 'cancelled', output: '' })).toBeUndefined();
    expect(
      await q.finish(b, 'me', { kind: 'exited', exitCode: 0, signal: null, timedOut: false, output: '' }),
    ).toMatchObject({
      runEnded: 'succeeded',
    });
    // a finished run is never overwritten
    await core.workflows.runs.requestCancel(run.id);
    expect((await core.workflows.runs.get(run.id)).state).toBe('succeeded');
  });

  it('reclaims an expired lease: retried while attempts remain, then failed', async () => {
    const run = await enqueue(1);
    const s1 = (await q.claim(poolId, 'dead-host', 1))!;
    await new Promise((r) => setTimeout(r, 5));
    expect((await q.reap()).map((x) => x.result.state)).toEqual(['queued']);
    // the dead host's late result does not count
    expect(
      await q.finish(s1, 'dead-host', {
        kind: 'exited',
        exitCode: 0,
        signal: null,
        timedOut: false,
        output: '',
      }),
    ).toBeUndefined();
    await q.claim(poolId, 'dead-host', 1);
    await new Promise((r) => setTimeout(r, 5));
    expect((await q.reap()).map((x) => x.result.state)).toEqual(['failed']);
    expect((await core.workflows.runs.get(run.id)).state).toBe('failed');
  });

  it('never gives one step to two claimers at once', async () => {
    for (let i = 0; i < 20; i++) await enqueue(1);
    const other: Db = kind === 'postgres' ? PostgresDb.open(core.config.database.url, { max: 5 }) : core.db;
    const q2 = new StepQueue(other);
    try {
      const claims = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? q : q2).claim(poolId, `c${i}`, 10_000)),
      );
      const ids = claims.filter((c) => c !== undefined).map((c) => c.id);
      expect(ids.length).toBe(20);
      expect(new Set(ids).size).toBe(20);
    } finally {
      if (other !== core.db) await other.close();
    }
  });
});
