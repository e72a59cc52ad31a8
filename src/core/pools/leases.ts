import { HEARTBEAT_MS } from './protocol.js';
import type { PoolRuntime } from './runtime.js';

/**
 * A worker kills its step this long before the lease it was last told of expires in the store,
 * so the step is dead before any other host may reclaim it (clock skew between hosts included).
 */
export function leaseMargin(rt: PoolRuntime): number {
  return Math.max(100, Math.floor(rt.cfg.lease_ms / 5));
}

/** Until when a worker may run a step whose lease was renewed (or claimed) at `at`. */
export function leaseUntil(rt: PoolRuntime, at: number): number {
  return at + rt.cfg.lease_ms - leaseMargin(rt);
}

/**
 * Extend our leases and tell each worker until when it may run its step. A step the store no
 * longer has under our name (and fence) was taken over while we were away (paused, cut off):
 * its processes are killed now, so two copies never run on. A failed renewal tells the workers
 * nothing, and they kill their steps themselves when the last lease they heard of runs out.
 */
export async function renewLeases(rt: PoolRuntime): Promise<void> {
  if (rt.renewing) return;
  rt.renewing = true;
  const at = Date.now();
  try {
    const held = await rt.deps.queue.renew(rt.owner, rt.cfg.lease_ms);
    const until = leaseUntil(rt, at);
    for (const lp of rt.live.values())
      for (const w of lp.workers.values()) {
        const step = w.step;
        if (!step || w.claimedAt >= at) continue; // claimed after this renewal began
        if (held.get(step.id) === step.fence) w.send({ type: 'lease', stepId: step.id, until });
        else if (!w.leaseLost) {
          w.leaseLost = true;
          const reason = `lease lost: step ${step.id} (fence ${step.fence}) is no longer held by ${rt.owner}`;
          rt.deps.log.warn(
            { pool: lp.row.name, step: step.id, fence: step.fence, store_fence: held.get(step.id) ?? null },
            `${reason}; killing its processes`,
          );
          w.send({ type: 'kill', stepId: step.id, reason });
          rt.inProcess.get(step.id)?.abort();
        }
      }
  } catch (e) {
    rt.deps.log.warn({ err: e }, 'lease renewal failed; workers stop their steps when their lease runs out');
  } finally {
    rt.renewing = false;
  }
}

/** A worker that stopped heartbeating is hung: kill it, so its step is retried elsewhere. */
export function checkHeartbeats(rt: PoolRuntime): void {
  const limit = Date.now() - Math.max(5 * HEARTBEAT_MS, rt.cfg.lease_ms);
  for (const lp of rt.live.values())
    for (const w of lp.workers.values()) if (w.state !== 'starting' && w.lastBeat < limit) w.kill();
}
