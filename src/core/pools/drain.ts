import type { StepRow } from '../workflows/runs.js';
import type { LivePool, PoolRuntime } from './runtime.js';
import type { WorkerHandle } from './worker-handle.js';

/** A pool gone from the store (or closed): stop its workers, and once they are gone drop it. */
export async function forget(rt: PoolRuntime, id: string, lp: LivePool): Promise<void> {
  for (const w of lp.workers.values()) if (!w.stopping) w.stop();
  if (lp.workers.size > 0) return;
  rt.live.delete(id);
  for (const state of ['starting', 'idle', 'busy', 'draining'])
    rt.deps.metrics.workers.remove({ pool: lp.row.name, state });
  rt.deps.metrics.queueDepth.remove({ pool: lp.row.name });
  await rt.deps.pools.removeMember(id, rt.owner).catch(() => {});
}

/** A step cut short by a clean shutdown goes back to the queue; its attempt is not counted. */
export async function giveBack(rt: PoolRuntime, w: WorkerHandle, step: StepRow): Promise<void> {
  w.step = undefined;
  const why = `attempt ${step.attempts} was cut short by a clean shutdown of ${rt.owner}; queued again, attempt not counted`;
  await rt.track(
    rt.deps.queue
      .requeue(step, why)
      .then((ok) => rt.deps.log.warn({ step: step.id, requeued: ok }, why))
      .catch((e) => rt.deps.log.error({ err: e, step: step.id }, 'could not requeue a step cut by shutdown')),
  );
}

/**
 * Shutdown: no new claims; drain every worker for up to `drainMs`, then kill the rest. A step cut
 * short goes back to the queue (attempt not counted), for the next process or another host.
 */
export async function drainAndStop(rt: PoolRuntime, drainMs: number): Promise<void> {
  rt.stopped = true;
  clearInterval(rt.timer);
  await rt.ticking;
  const all = [...rt.live.values()].flatMap((lp) => [...lp.workers.values()]);
  for (const w of all) w.stop();
  const deadline = Date.now() + drainMs;
  while (all.some((w) => !w.exited) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  clearInterval(rt.renewTimer);
  for (const w of all) {
    if (!w.exited && w.step) w.cutByShutdown = true;
    w.kill();
  }
  while (all.some((w) => !w.exited)) await new Promise((r) => setTimeout(r, 20));
  await Promise.allSettled([...rt.recording]);
  await rt.deps.slots.releaseAll(rt.owner).catch(() => {});
  for (const lp of rt.live.values()) await rt.deps.pools.removeMember(lp.row.id, rt.owner).catch(() => {});
}
