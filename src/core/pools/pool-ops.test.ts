import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator, testCore } from '../../../test/helpers/core.js';
import { TOOLS } from '../../tools/index.js';
import { invoke } from '../../tools/invoke.js';
import type { Core } from '../core.js';
import { StepQueue } from './queue.js';

const tool = (name: string) => TOOLS.find((t) => t.name === name)!;
const call = (core: Core, name: string, input: Record<string, unknown>) =>
  invoke(tool(name), input, { core, principal: operator }) as Promise<Record<string, unknown>>;

const steps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    argv: ['true'],
    cwd: '/',
    envAllow: [],
    envSet: {},
    timeoutMs: 1000,
    maxAttempts: 1,
  }));

/** The exhausted-pool tools on both stores: pool_update, pool_scale at max, pool_move_queue. */
describe.each(['sqlite', 'postgres'] as const)('pool operations on %s', (kind) => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const spawn = (name: string, min: number, max: number) =>
    core.pools.store.create({ name, type: 'mahavishnu', min, max, autoscale: false });

  beforeAll(async () => {
    ({ core, cleanup } = await testCore(kind, { approvals: { enabled: false } }));
  });
  afterAll(async () => cleanup());

  it('pool_scale past max fails naming pool_update with the max it needs; pool_update then lets it', async () => {
    await spawn('full', 0, 2);
    await call(core, 'pool_scale', { pool: 'full', target: 2 });
    await expect(call(core, 'pool_scale', { pool: 'full', target: '+5' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('`pool_update {"pool":"full","max":7}`'),
    });
    await expect(call(core, 'pool_scale', { pool: 'full', target: '-5' })).rejects.toMatchObject({
      message: expect.stringMatching(/would leave pool full with -3 workers/),
    });
    const up = await call(core, 'pool_update', { pool: 'full', max: 7 });
    expect(up).toMatchObject({ max: 7, desired: 2, changes: ['max 2 → 7'] });
    expect(await call(core, 'pool_scale', { pool: 'full', target: '+5' })).toMatchObject({ desired: 7 });
    // audited like every change
    const audit = await core.audit.list({ limit: 10, tool: 'pool_update' });
    expect(audit.map((a) => a.phase)).toContain('end');
  });

  it('pool_update keeps the desired size inside the new bounds and says what moved', async () => {
    await spawn('shrink', 1, 8);
    await call(core, 'pool_scale', { pool: 'shrink', target: 6 });
    const down = await call(core, 'pool_update', { pool: 'shrink', max: 3 });
    expect(down).toMatchObject({ max: 3, desired: 3 });
    expect(down.changes).toEqual([
      'max 8 → 3',
      'desired 6 → 3: lowered to the new max; 3 worker(s) drain (idle ones stop now, busy ones finish their step first); queued steps stay queued',
    ]);
    const up = await call(core, 'pool_update', { pool: 'shrink', min: 3, max: 5, autoscale: true });
    expect(up).toMatchObject({ min: 3, max: 5, desired: 3, autoscale: true });
    expect(await call(core, 'pool_update', { pool: 'shrink', min: 4 })).toMatchObject({
      desired: 4,
      changes: ['min 3 → 4', 'desired 3 → 4: raised to the new min, workers start'],
    });
    expect((await call(core, 'pool_update', { pool: 'shrink', autoscale: true })).changes).toEqual([
      'nothing changed: the pool already had these settings',
    ]);
  });

  it('pool_update refuses bounds that cross, an empty update, a closed pool and unknown keys', async () => {
    await spawn('strict', 2, 4);
    await expect(call(core, 'pool_update', { pool: 'strict', min: 5 })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('min 5 is larger than max 4; give a max of at least 5'),
    });
    await expect(call(core, 'pool_update', { pool: 'strict' })).rejects.toMatchObject({
      message: expect.stringContaining('give at least one of min, max, autoscale'),
    });
    await expect(call(core, 'pool_update', { pool: 'strict', maximum: 5 })).rejects.toMatchObject({
      message: expect.stringContaining('maximum'),
    });
    await expect(call(core, 'pool_update', { pool: 'strict', max: 0 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await call(core, 'pool_close', { pool: 'strict' });
    await expect(call(core, 'pool_update', { pool: 'strict', max: 9 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('pool_move_queue moves queued runs with their later steps, never a claimed step; dry run moves nothing', async () => {
    const from = await spawn('jammed', 0, 1);
    const to = await spawn('rescue', 0, 1);
    const runs = [];
    for (let i = 0; i < 4; i++)
      runs.push(
        await core.workflows.runs.create({
          workflow: 'w',
          poolId: from.id,
          params: { n: String(i) },
          steps: steps(2),
          requestedBy: 't',
        }),
      );
    const q = new StepQueue(core.db);
    const claimed = (await q.claim(from.id, 'me', 60_000))!;
    // runs created in the same millisecond queue in id order: follow the queue, not creation
    const waiting = runs.filter((r) => r.id !== claimed.run_id).map((r) => r.id);

    const plan = await call(core, 'pool_move_queue', { from: 'jammed', to: 'rescue', dry_run: true });
    expect(plan.dry_run).toBe(true);
    const order = (plan.impact as { runs: string[] }).runs;
    expect([...order].sort()).toEqual([...waiting].sort());
    expect((plan.plan as string[])[1]).toMatch(new RegExp(`${order[0]} \\(w n=\\d\\), step s0`));
    expect(await core.workflows.runs.countSteps(from.id, 'queued')).toBe(3);

    const moved = await call(core, 'pool_move_queue', { from: 'jammed', to: 'rescue', limit: 2 });
    expect(moved).toMatchObject({ from: 'jammed', to: 'rescue', moved: 2, left: 1 });
    expect((moved.runs as { run_id: string }[]).map((r) => r.run_id)).toEqual(order.slice(0, 2));
    const s1 = await core.workflows.status(order[0]!);
    expect(s1).toMatchObject({ pool_id: to.id, pool: 'rescue' });
    const rows = await core.db.query<{ pool_id: string; state: string }>(
      'SELECT pool_id, state FROM workflow_steps WHERE run_id = $1 ORDER BY idx',
      [order[0]!],
    );
    expect(rows).toEqual([
      { pool_id: to.id, state: 'queued' },
      { pool_id: to.id, state: 'pending' },
    ]);
    // the claimed run and the one past the limit stayed
    expect((await core.workflows.status(claimed.run_id)).pool).toBe('jammed');
    expect((await core.workflows.status(order[2]!)).pool).toBe('jammed');
    const list = (await call(core, 'workflow_status', { limit: 10 })) as {
      runs: { id: string; pool: string; params: Record<string, string> }[];
    };
    expect(list.runs.find((r) => r.id === order[1])).toMatchObject({
      pool: 'rescue',
      params: { n: expect.any(String) },
    });
    const next = (await q.claim(to.id, 'me', 60_000))!;
    expect(next.run_id).toBe(order[0]);

    expect((await core.audit.list({ limit: 10, tool: 'pool_move_queue' })).map((a) => a.phase)).toContain(
      'end',
    );
    await expect(call(core, 'pool_move_queue', { from: 'jammed', to: 'jammed' })).rejects.toMatchObject({
      message: expect.stringContaining('name two different pools'),
    });
  });

  it('a move racing claimers moves each queued step or lets it be claimed, never both', async () => {
    const from = await spawn('busy', 0, 1);
    const to = await spawn('spare', 0, 1);
    const n = 60;
    for (let i = 0; i < n; i++)
      await core.workflows.runs.create({
        workflow: 'w',
        poolId: from.id,
        params: {},
        steps: steps(1),
        requestedBy: 't',
      });
    const q = new StepQueue(core.db);
    const claimedIds: string[] = [];
    const claimer = async () => {
      for (;;) {
        const s = await q.claim(from.id, `c-${Math.random()}`, 60_000);
        if (!s) return;
        claimedIds.push(s.id);
      }
    };
    const [moved] = await Promise.all([
      new Promise((r) => setTimeout(r, 5)).then(() =>
        call(core, 'pool_move_queue', { from: 'busy', to: 'spare' }),
      ),
      claimer(),
      claimer(),
    ]);
    const rows = await core.db.query<{ id: string; pool_id: string; state: string }>(
      'SELECT id, pool_id, state FROM workflow_steps WHERE pool_id IN ($1, $2)',
      [from.id, to.id],
    );
    const inTo = rows.filter((r) => r.pool_id === to.id);
    expect(inTo.every((r) => r.state === 'queued')).toBe(true);
    expect(rows.filter((r) => r.pool_id === from.id).every((r) => r.state === 'running')).toBe(true);
    expect(new Set([...claimedIds, ...inTo.map((r) => r.id)]).size).toBe(n);
    expect(claimedIds.length + inTo.length).toBe(n);
    expect((moved as { moved: number }).moved).toBe(inTo.length);
  });
});
