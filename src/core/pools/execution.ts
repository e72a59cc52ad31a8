import type { StepRow } from '../workflows/runs.js';
import { dispatch, mayClaim } from './claiming.js';
import { giveBack } from './drain.js';
import { leaseUntil } from './leases.js';
import type { FromWorker } from './protocol.js';
import type { Finished, Outcome } from './queue.js';
import type { PoolRuntime, RuntimeDeps, StepEvent } from './runtime.js';
import { resize } from './sizing.js';
import type { WorkerHandle } from './worker-handle.js';

/** Send a claimed step to its worker; a worker stopping or gone meanwhile gives the claim back. */
export async function handOver(rt: PoolRuntime, w: WorkerHandle, step: StepRow, claimedAt: number) {
  if (w.stopping || w.exited || rt.stopped) {
    await rt.deps.queue.release(step);
    if (w.stopping && !w.exited) w.state = 'draining';
    return;
  }
  if (step.adapter_call && rt.deps.adapterStep) return runHere(rt, w, step, rt.deps.adapterStep);
  const sent = w.run(
    step,
    rt.deps.config().workflows.max_output_bytes,
    leaseUntil(rt, claimedAt),
    Date.now(),
  );
  // the worker died between the claim and the hand-over: record the loss (its exit handler may not run after)
  if (!sent && w.exited)
    await settle(rt, w, { kind: 'lost', reason: 'worker exited before the step started' });
}

/** An adapter step: run in this process, its result delivered as the worker's `done` would be. */
function runHere(
  rt: PoolRuntime,
  w: WorkerHandle,
  step: StepRow,
  run: NonNullable<RuntimeDeps['adapterStep']>,
): void {
  w.step = step;
  w.state = 'busy';
  w.claimedAt = Date.now();
  w.leaseLost = false;
  const abort = new AbortController();
  rt.inProcess.set(step.id, abort);
  rt.track(
    run(step, abort.signal).then((r) => {
      rt.inProcess.delete(step.id);
      onMessage(rt, w, {
        type: 'done',
        stepId: step.id,
        signal: null,
        cancelled: abort.signal.aborted,
        ...r,
      });
    }),
  );
}

export function onMessage(rt: PoolRuntime, w: WorkerHandle, m: FromWorker): void {
  if (m.type === 'started' && w.step?.id === m.stepId) w.commandPid = m.pid;
  if (m.type !== 'done' || !w.step || w.step.id !== m.stepId) return;
  w.commandPid = undefined;
  const outcome: Outcome = m.leaseLost
    ? { kind: 'lost', reason: m.leaseLost }
    : m.cancelled
      ? { kind: 'cancelled', output: m.output }
      : {
          kind: 'exited',
          exitCode: m.spawnError ? null : m.exitCode,
          signal: m.signal,
          timedOut: m.timedOut,
          output: m.spawnError ? `cannot start ${JSON.parse(w.step.argv)[0]}: ${m.spawnError}` : m.output,
        };
  // the result and the worker's next claim share one transaction
  const claimAt = Date.now();
  const claimNext = !w.stopping && mayClaim(rt) && rt.live.get(w.poolId)?.row.state === 'active';
  void settle(rt, w, outcome, claimNext).then(async (next) => {
    if (next) return handOver(rt, w, next, claimAt);
    if (w.stopping) w.state = 'draining';
    else {
      w.state = 'idle';
      // an empty queue needs no second look now: the next pass or a wake-up claims
      if (!claimNext) dispatch(rt, w);
    }
  });
}

/** Record the outcome of the worker's step (guarded by our lease) and free the worker. */
export function settle(
  rt: PoolRuntime,
  w: WorkerHandle,
  outcome: Outcome,
  claimNext = false,
): Promise<StepRow | undefined> {
  const step = w.step;
  if (!step) return Promise.resolve(undefined);
  w.step = undefined;
  return rt.track(recordResult(rt, w, step, outcome, claimNext));
}

async function recordResult(
  rt: PoolRuntime,
  w: WorkerHandle,
  step: StepRow,
  outcome: Outcome,
  claimNext: boolean,
): Promise<StepRow | undefined> {
  const lp = rt.live.get(w.poolId);
  try {
    const next = claimNext ? { poolId: w.poolId, leaseMs: rt.cfg.lease_ms } : undefined;
    const result = await rt.deps.queue.finish(step, rt.owner, outcome, undefined, next);
    if (lp) lp.stepsDone++;
    if (result) record(rt, step, result, Date.now() - (step.started_at ?? Date.now()), false);
    else
      rt.deps.log.warn(
        { pool: lp?.row.name, step: step.id, fence: step.fence, outcome: outcome.kind },
        'step result not recorded: its lease was taken over (another holder has the step)',
      );
    return result?.next;
  } catch (e) {
    // the store is away: keep the result (memory and spool file) and write it when it is back;
    // our lease on the step is still renewed meanwhile, so nobody reclaims it
    rt.deps.log.error(
      { err: e, step: step.id },
      'could not record a step result; spooled until the store is back',
    );
    rt.spool.add(step, rt.owner, outcome);
  }
}

/** Metrics and the `step` event for a step that reached its end (or a retry). */
export function record(rt: PoolRuntime, step: StepRow, result: Finished, ms: number, reaped: boolean): void {
  const pool = rt.live.get(step.pool_id)?.row.name ?? step.pool_id;
  const m = rt.deps.metrics;
  if (result.retried) m.stepRetries.inc({ pool });
  else {
    if (!reaped) m.stepDuration.observe({ pool, outcome: result.state }, ms / 1000);
    if (result.state === 'failed') m.stepFailures.inc({ pool });
  }
  rt.emit('step', { step, result } satisfies StepEvent);
}

export async function onExit(
  rt: PoolRuntime,
  w: WorkerHandle,
  code: number | null,
  signal: string | null,
): Promise<void> {
  const lp = rt.live.get(w.poolId);
  lp?.workers.delete(w.id);
  if (w.commandPid) {
    // the worker died (e.g. SIGKILL) and left its command running: stop it before the retry
    try {
      process.kill(-w.commandPid, 'SIGKILL');
    } catch {}
    w.commandPid = undefined;
  }
  if (w.step && w.cutByShutdown) await giveBack(rt, w, w.step);
  else if (w.step) {
    rt.deps.log.warn(
      { pool: lp?.row.name, worker: w.id, code, signal, step: w.step.id },
      'worker died with a step',
    );
    await settle(rt, w, { kind: 'lost', reason: `worker process died (${signal ?? `exit ${code}`})` });
  }
  // a worker that died on its own is replaced at once (not after the next tick)
  if (!w.stopping && !rt.stopped && lp && lp.row.state === 'active') resize(rt, lp);
}

/** Stop a step held here: an adapter step is aborted, a worker is told to cancel. */
export function cancelLocal(rt: PoolRuntime, stepId: string): void {
  rt.inProcess.get(stepId)?.abort();
  for (const lp of rt.live.values())
    for (const w of lp.workers.values()) if (w.step?.id === stepId) w.send({ type: 'cancel', stepId });
}
