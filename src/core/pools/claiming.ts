import { handOver } from './execution.js';
import type { LivePool, PoolRuntime } from './runtime.js';
import type { WorkerHandle } from './worker-handle.js';

/** Whether this runtime may claim now at all (not stopping, not paused by maintenance). */
export function mayClaim(rt: PoolRuntime): boolean {
  return !rt.stopped && !rt.deps.paused?.();
}

export function dispatchIdle(rt: PoolRuntime, lp: LivePool): void {
  for (const w of lp.workers.values()) if (w.state === 'idle' && !w.claiming && !w.stopping) dispatch(rt, w);
}

/** Claim a step for an idle worker and hand it over. */
export function dispatch(rt: PoolRuntime, w: WorkerHandle): void {
  const lp = rt.live.get(w.poolId);
  if (rt.stopped || !lp || w.claiming || w.stopping || w.state !== 'idle' || lp.row.state !== 'active')
    return;
  if (!mayClaim(rt)) return;
  w.claiming = true;
  const at = Date.now();
  rt.track(
    rt.deps.queue
      .claim(w.poolId, rt.owner, rt.cfg.lease_ms)
      .then(async (step) => {
        w.claiming = false;
        if (step) await handOver(rt, w, step, at);
      })
      .catch((e) => {
        w.claiming = false;
        rt.deps.log.warn({ err: e, pool: lp.row.name }, 'claim failed');
      }),
  );
}
