import { hostname } from 'node:os';
import { dispatch } from './claiming.js';
import { forget } from './drain.js';
import { onExit, onMessage } from './execution.js';
import type { PoolRow } from './pools.js';
import type { LivePool, PoolRuntime } from './runtime.js';
import { WorkerHandle } from './worker-handle.js';

/** Bring one pool in line with its row: close it, autoscale it, take this runtime's share of its slots. */
export async function reconcile(rt: PoolRuntime, row: PoolRow): Promise<void> {
  let lp = rt.live.get(row.id);
  if (!lp) {
    lp = {
      row,
      workers: new Map(),
      slots: 0,
      stepsDone: 0,
      depth: 0,
      prevDepth: 0,
      idleTicks: 0,
      running: 0,
      seenDesired: row.desired,
    };
    rt.live.set(row.id, lp);
  }
  lp.row = row;
  lp.prevDepth = lp.depth;
  // one snapshot: a step claimed between two counts would be both queued and running
  const active = await rt.deps.activeSteps(row.id);
  lp.depth = active.queued;
  lp.running = active.running;
  rt.deps.metrics.queueDepth.set({ pool: row.name }, lp.depth);
  if (row.state === 'closing') {
    for (const w of lp.workers.values()) if (!w.stopping) w.stop();
    if (lp.workers.size === 0 && (await rt.deps.countSteps(row.id, 'running')) === 0) {
      await rt.deps.pools.markClosed(row.id);
      await forget(rt, row.id, lp);
    }
    return;
  }
  if (row.autoscale) await autoscale(rt, lp);
  // the desired size is the whole pool's: this runtime runs its share of the slots
  const freshMs = Math.max(3 * rt.cfg.tick_ms, 3000);
  const others = (await rt.deps.pools.members(row.id, freshMs)).filter((m) => m.owner !== rt.owner);
  lp.slots = await rt.deps.slots.share(row.id, lp.row.desired, rt.owner, others.length + 1, rt.cfg.lease_ms);
  resize(rt, lp);
}

/**
 * Grow toward max while the pool's work (steps running plus queued) is more than its desired size;
 * shrink by one toward min after ~10 s with an empty queue and a worker to spare. The figures are
 * the whole pool's, from the store, and the desired size already counts workers still starting
 * on any host, so every host comes to the same size: with "queued − this host's idle workers", a
 * host whose share of new slots had not started yet added the whole queue again (6 queued steps
 * grew a two-host pool to 11). The write is a compare-and-set on the size this pass read.
 */
async function autoscale(rt: PoolRuntime, lp: LivePool): Promise<void> {
  const { row } = lp;
  // a change by anyone (another host's autoscale, pool scale) starts the idle count again
  if (lp.seenDesired !== row.desired) {
    lp.seenDesired = row.desired;
    lp.idleTicks = 0;
  }
  const { running } = lp;
  const needed = running + lp.depth;
  let next = row.desired;
  if (needed > row.desired && row.desired < row.max_workers) {
    next = Math.min(row.max_workers, needed);
    lp.idleTicks = 0;
  } else if (lp.depth === 0 && running < row.desired && row.desired > row.min_workers) {
    if (++lp.idleTicks >= Math.max(1, Math.round(10_000 / rt.cfg.tick_ms))) {
      next = row.desired - 1;
      lp.idleTicks = 0;
    }
  } else lp.idleTicks = 0;
  if (next !== row.desired && (await rt.deps.pools.setDesired(row.id, next, row.desired))) {
    rt.deps.log.info(
      { pool: row.name, from: row.desired, to: next, depth: lp.depth, running },
      'pool autoscaled',
    );
    lp.row = { ...row, desired: next };
    lp.seenDesired = next;
  }
}

/** Start or drain workers so that the running (not draining) ones match this runtime's slots. */
export function resize(rt: PoolRuntime, lp: LivePool): void {
  const active = [...lp.workers.values()].filter((w) => !w.stopping);
  const want = lp.slots;
  for (let i = active.length; i < want; i++) fork(rt, lp);
  if (active.length > want) {
    // idle and starting workers go first, so running steps are not held up
    const order = [...active].sort((a, b) => Number(a.state === 'busy') - Number(b.state === 'busy'));
    for (const w of order.slice(0, active.length - want)) w.stop();
  }
}

function fork(rt: PoolRuntime, lp: LivePool): WorkerHandle {
  const w = new WorkerHandle(
    lp.row.id,
    (h, m) => onMessage(rt, h, m),
    (h, code, signal) => void onExit(rt, h, code, signal),
  );
  lp.workers.set(w.id, w);
  w.ready.then(
    () => dispatch(rt, w),
    () => {},
  );
  return w;
}

export function counts(lp: LivePool): { starting: number; idle: number; busy: number; draining: number } {
  const c = { starting: 0, idle: 0, busy: 0, draining: 0 };
  for (const w of lp.workers.values()) c[w.stopping && w.state !== 'busy' ? 'draining' : w.state]++;
  return c;
}

/** This runtime's workers of a pool, to the metrics and to the store (`pool status` members). */
export async function report(rt: PoolRuntime, lp: LivePool): Promise<void> {
  const c = counts(lp);
  for (const [state, v] of Object.entries(c)) rt.deps.metrics.workers.set({ pool: lp.row.name, state }, v);
  await rt.deps.pools.reportMember({
    pool_id: lp.row.id,
    owner: rt.owner,
    host: hostname(),
    pid: process.pid,
    ...c,
    steps_done: lp.stepsDone,
    heartbeat_at: Date.now(),
  });
}
