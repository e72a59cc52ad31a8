import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { StepRow } from '../workflows/runs.js';
import type { PoolMetrics } from './metrics.js';
import type { PoolRow, PoolStore } from './pools.js';
import { type FromWorker, HEARTBEAT_MS } from './protocol.js';
import type { Finished, Outcome, StepQueue } from './queue.js';
import type { PoolSlots } from './slots.js';
import { ResultSpool } from './spool.js';
import { WorkerHandle } from './worker-handle.js';

export interface RuntimeDeps {
  pools: PoolStore;
  queue: StepQueue;
  slots: PoolSlots;
  metrics: PoolMetrics;
  log: Logger;
  config: () => Config;
  /** Runs queued or running in the whole store, for the gauge. */
  activeRuns: () => Promise<number>;
  /** Steps of a pool in a state (queued: queue depth; running). */
  countSteps: (poolId: string, state: 'queued' | 'running') => Promise<number>;
  /** Only this pool (by name): `mahavishnu worker --pool NAME`. */
  only?: string | undefined;
  /** While true (maintenance: a restore is running) no pass runs and no step is claimed. */
  paused?: () => boolean;
  /**
   * Runs an adapter step (one with adapter_call) here, in this process, where the adapters'
   * circuit breakers live; the worker whose slot it takes stays idle meanwhile.
   */
  adapterStep?: (
    step: StepRow,
    signal: AbortSignal,
  ) => Promise<{ exitCode: number | null; timedOut: boolean; output: string }>;
}

/** What the runtime knows of one pool between ticks. */
export interface LivePool {
  row: PoolRow;
  workers: Map<string, WorkerHandle>;
  /** Worker slots of the pool this runtime holds (its share of the desired size). */
  slots: number;
  stepsDone: number;
  depth: number;
  prevDepth: number;
  idleTicks: number;
}

/** A step that reached its end (or a retry) here; tests and metrics listen. */
export interface StepEvent {
  step: StepRow;
  result: Finished;
}

/**
 * The live half of pools, inside a long-running process: it forks worker processes to match each
 * pool's desired size, claims steps for idle workers, renews their leases, reclaims steps of dead
 * hosts, autoscales, and reports its workers to the store so every process sees the same pools.
 */
export class PoolRuntime extends EventEmitter {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly live = new Map<string, LivePool>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing = false;
  /** Results being recorded; shutdown waits for them before the store closes. */
  private readonly recording = new Set<Promise<unknown>>();
  /** Results the store could not take when their step ended. */
  readonly spool: ResultSpool;
  /** Adapter steps running in this process, by step id: aborted on cancel. */
  private readonly inProcess = new Map<string, AbortController>();

  constructor(private readonly deps: RuntimeDeps) {
    super();
    this.spool = new ResultSpool(
      join(deps.config().data.dir, 'pool-spool'),
      deps.queue,
      deps.log.child({ part: 'spool' }),
    );
  }

  private get cfg() {
    return this.deps.config().pools;
  }

  /**
   * A worker kills its step this long before the lease it was last told of expires in the store,
   * so the step is dead before any other host may reclaim it (clock skew between hosts included).
   */
  private get leaseMargin() {
    return Math.max(100, Math.floor(this.cfg.lease_ms / 5));
  }

  /** Until when a worker may run a step whose lease was renewed (or claimed) at `at`. */
  private leaseUntil(at: number): number {
    return at + this.cfg.lease_ms - this.leaseMargin;
  }

  async start(): Promise<void> {
    // results a previous process on this data directory could not write go first, so a step that
    // ended before a restart is recorded, not reaped and run again
    this.spool.load();
    await this.spool.flush().then((done) => {
      for (const { step, result } of done) this.record(step, result, 0, true);
    });
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.cfg.tick_ms);
    this.timer.unref();
    // renewal has its own clock: a slow reconcile pass must not let leases lapse
    this.renewTimer = setInterval(() => void this.renewLeases(), this.leaseMargin);
    this.renewTimer.unref();
  }

  /**
   * Extend our leases and tell each worker until when it may run its step. A step the store no
   * longer has under our name (and fence) was taken over while we were away (paused, cut off):
   * its processes are killed now, so two copies never run on. A failed renewal tells the workers
   * nothing, and they kill their steps themselves when the last lease they heard of runs out.
   */
  private async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const at = Date.now();
    try {
      const held = await this.deps.queue.renew(this.owner, this.cfg.lease_ms);
      const until = this.leaseUntil(at);
      for (const lp of this.live.values())
        for (const w of lp.workers.values()) {
          const step = w.step;
          if (!step || w.claimedAt >= at) continue; // claimed after this renewal began
          if (held.get(step.id) === step.fence) w.send({ type: 'lease', stepId: step.id, until });
          else if (!w.leaseLost) {
            w.leaseLost = true;
            const reason = `lease lost: step ${step.id} (fence ${step.fence}) is no longer held by ${this.owner}`;
            this.deps.log.warn(
              { pool: lp.row.name, step: step.id, fence: step.fence, store_fence: held.get(step.id) ?? null },
              `${reason}; killing its processes`,
            );
            w.send({ type: 'kill', stepId: step.id, reason });
            this.inProcess.get(step.id)?.abort();
          }
        }
    } catch (e) {
      this.deps.log.warn(
        { err: e },
        'lease renewal failed; workers stop their steps when their lease runs out',
      );
    } finally {
      this.renewing = false;
    }
  }

  /** One reconcile pass; never two at once. */
  tick(): Promise<void> {
    if (this.stopped || this.deps.paused?.()) return Promise.resolve();
    if (!this.ticking)
      this.ticking = this.pass()
        .catch((e) => this.deps.log.warn({ err: e }, 'pool runtime pass failed'))
        .finally(() => {
          this.ticking = undefined;
        });
    return this.ticking;
  }

  private async pass(): Promise<void> {
    const { pools, queue } = this.deps;
    const rows = (await pools.list(false)).filter((r) => !this.deps.only || r.name === this.deps.only);
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      await this.reconcile(row);
    }
    for (const [id, lp] of this.live) if (!seen.has(id)) await this.forget(id, lp);
    await pools.pruneMembers(10 * 60_000);
    // our spooled results before the reaper: a result kept through an outage is recorded, not reaped
    if (this.spool.size > 0)
      for (const { step, result } of await this.spool.flush()) this.record(step, result, 0, true);
    for (const { step, result } of await queue.reap()) this.record(step, result, 0, true);
    for (const id of await queue.cancelRequested(this.owner)) this.cancelLocal(id);
    this.checkHeartbeats();
    this.deps.metrics.activeWorkflows.set(await this.deps.activeRuns());
    for (const lp of this.live.values()) {
      await this.report(lp);
      this.dispatchIdle(lp);
    }
    this.emit('pass');
  }

  private async reconcile(row: PoolRow): Promise<void> {
    let lp = this.live.get(row.id);
    if (!lp) {
      lp = { row, workers: new Map(), slots: 0, stepsDone: 0, depth: 0, prevDepth: 0, idleTicks: 0 };
      this.live.set(row.id, lp);
    }
    lp.row = row;
    lp.prevDepth = lp.depth;
    lp.depth = await this.deps.countSteps(row.id, 'queued');
    this.deps.metrics.queueDepth.set({ pool: row.name }, lp.depth);
    if (row.state === 'closing') {
      for (const w of lp.workers.values()) if (!w.stopping) w.stop();
      if (lp.workers.size === 0 && (await this.deps.countSteps(row.id, 'running')) === 0) {
        await this.deps.pools.markClosed(row.id);
        await this.forget(row.id, lp);
      }
      return;
    }
    if (row.autoscale) await this.autoscale(lp);
    // the desired size is the whole pool's: this runtime runs its share of the slots
    const freshMs = Math.max(3 * this.cfg.tick_ms, 3000);
    const others = (await this.deps.pools.members(row.id, freshMs)).filter((m) => m.owner !== this.owner);
    lp.slots = await this.deps.slots.share(
      row.id,
      lp.row.desired,
      this.owner,
      others.length + 1,
      this.cfg.lease_ms,
    );
    this.resize(lp);
  }

  /** Queue deeper than idle capacity: grow toward max; idle for a while with an empty queue: shrink toward min. */
  private async autoscale(lp: LivePool): Promise<void> {
    const { row } = lp;
    const idle = [...lp.workers.values()].filter((w) => w.state === 'idle' || w.state === 'starting').length;
    let next = row.desired;
    if (lp.depth > idle && row.desired < row.max_workers) {
      next = Math.min(row.max_workers, row.desired + (lp.depth - idle));
      lp.idleTicks = 0;
    } else if (lp.depth === 0 && idle > 0 && row.desired > row.min_workers) {
      if (++lp.idleTicks >= Math.max(1, Math.round(10_000 / this.cfg.tick_ms))) {
        next = row.desired - 1;
        lp.idleTicks = 0;
      }
    } else lp.idleTicks = 0;
    if (next !== row.desired) {
      this.deps.log.info({ pool: row.name, from: row.desired, to: next, depth: lp.depth }, 'pool autoscaled');
      await this.deps.pools.setDesired(row.id, next);
      lp.row = { ...row, desired: next };
    }
  }

  /** Start or drain workers so that the running (not draining) ones match the desired size. */
  private resize(lp: LivePool): void {
    const active = [...lp.workers.values()].filter((w) => !w.stopping);
    const want = lp.slots;
    for (let i = active.length; i < want; i++) this.fork(lp);
    if (active.length > want) {
      // idle and starting workers go first, so running steps are not held up
      const order = [...active].sort((a, b) => Number(a.state === 'busy') - Number(b.state === 'busy'));
      for (const w of order.slice(0, active.length - want)) w.stop();
    }
  }

  private fork(lp: LivePool): WorkerHandle {
    const w = new WorkerHandle(
      lp.row.id,
      (h, m) => this.onMessage(h, m),
      (h, code, signal) => void this.onExit(h, code, signal),
    );
    lp.workers.set(w.id, w);
    w.ready.then(
      () => this.dispatch(w),
      () => {},
    );
    return w;
  }

  /** Resolves when every worker of the pool that is not draining has reported ready. */
  async waitReady(poolId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const lp = this.live.get(poolId);
    if (!lp || signal?.aborted) return false;
    const ready = Promise.allSettled([...lp.workers.values()].filter((w) => !w.stopping).map((w) => w.ready));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // a cancelled call stops waiting at once (the workers go on starting)
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), timeoutMs);
      onAbort = () => r('late');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const r = await Promise.race([ready, late]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    return r !== 'late';
  }

  /** Steps were queued for a pool in this process: claim now rather than at the next tick. */
  wake(poolId: string): void {
    const lp = this.live.get(poolId);
    if (lp) this.dispatchIdle(lp);
  }

  private dispatchIdle(lp: LivePool): void {
    for (const w of lp.workers.values())
      if (w.state === 'idle' && !w.claiming && !w.stopping) this.dispatch(w);
  }

  /** Claim a step for an idle worker and hand it over. */
  private dispatch(w: WorkerHandle): void {
    const lp = this.live.get(w.poolId);
    if (this.stopped || !lp || w.claiming || w.stopping || w.state !== 'idle' || lp.row.state !== 'active')
      return;
    if (this.deps.paused?.()) return;
    w.claiming = true;
    const at = Date.now();
    const p: Promise<void> = this.deps.queue
      .claim(w.poolId, this.owner, this.cfg.lease_ms)
      .then(async (step) => {
        w.claiming = false;
        if (step) await this.handOver(w, step, at);
      })
      .catch((e) => {
        w.claiming = false;
        this.deps.log.warn({ err: e, pool: lp.row.name }, 'claim failed');
      })
      .finally(() => this.recording.delete(p));
    this.recording.add(p);
  }

  /** Send a claimed step to its worker; a worker stopping or gone meanwhile gives the claim back. */
  private async handOver(w: WorkerHandle, step: StepRow, claimedAt: number): Promise<void> {
    if (w.stopping || w.exited || this.stopped) {
      await this.deps.queue.release(step);
      if (w.stopping && !w.exited) w.state = 'draining';
      return;
    }
    if (step.adapter_call && this.deps.adapterStep) return this.runHere(w, step, this.deps.adapterStep);
    const sent = w.run(
      step,
      this.deps.config().workflows.max_output_bytes,
      this.leaseUntil(claimedAt),
      Date.now(),
    );
    // the worker died between the claim and the hand-over: record the loss (its exit handler may not run after)
    if (!sent && w.exited)
      await this.settle(w, { kind: 'lost', reason: 'worker exited before the step started' });
  }

  /** An adapter step: run in this process, its result delivered as the worker's `done` would be. */
  private runHere(w: WorkerHandle, step: StepRow, run: NonNullable<RuntimeDeps['adapterStep']>): void {
    w.step = step;
    w.state = 'busy';
    w.claimedAt = Date.now();
    w.leaseLost = false;
    const abort = new AbortController();
    this.inProcess.set(step.id, abort);
    const p = run(step, abort.signal).then((r) => {
      this.inProcess.delete(step.id);
      this.onMessage(w, {
        type: 'done',
        stepId: step.id,
        signal: null,
        cancelled: abort.signal.aborted,
        ...r,
      });
    });
    this.recording.add(p);
    void p.finally(() => this.recording.delete(p));
  }

  private onMessage(w: WorkerHandle, m: FromWorker): void {
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
    const claimNext =
      !w.stopping &&
      !this.stopped &&
      !this.deps.paused?.() &&
      this.live.get(w.poolId)?.row.state === 'active';
    void this.settle(w, outcome, claimNext).then(async (next) => {
      if (next) return this.handOver(w, next, claimAt);
      if (w.stopping) w.state = 'draining';
      else {
        w.state = 'idle';
        // an empty queue needs no second look now: the next pass or a wake-up claims
        if (!claimNext) this.dispatch(w);
      }
    });
  }

  /** Record the outcome of the worker's step (guarded by our lease) and free the worker. */
  private settle(w: WorkerHandle, outcome: Outcome, claimNext = false): Promise<StepRow | undefined> {
    const step = w.step;
    if (!step) return Promise.resolve(undefined);
    w.step = undefined;
    const p = this.recordResult(w, step, outcome, claimNext).finally(() => this.recording.delete(p));
    this.recording.add(p);
    return p;
  }

  private async recordResult(
    w: WorkerHandle,
    step: StepRow,
    outcome: Outcome,
    claimNext: boolean,
  ): Promise<StepRow | undefined> {
    const lp = this.live.get(w.poolId);
    try {
      const next = claimNext ? { poolId: w.poolId, leaseMs: this.cfg.lease_ms } : undefined;
      const result = await this.deps.queue.finish(step, this.owner, outcome, undefined, next);
      if (lp) lp.stepsDone++;
      if (result) this.record(step, result, Date.now() - (step.started_at ?? Date.now()), false);
      else
        this.deps.log.warn(
          { pool: lp?.row.name, step: step.id, fence: step.fence, outcome: outcome.kind },
          'step result not recorded: its lease was taken over (another holder has the step)',
        );
      return result?.next;
    } catch (e) {
      // the store is away: keep the result (memory and spool file) and write it when it is back;
      // our lease on the step is still renewed meanwhile, so nobody reclaims it
      this.deps.log.error(
        { err: e, step: step.id },
        'could not record a step result; spooled until the store is back',
      );
      this.spool.add(step, this.owner, outcome);
    }
  }

  private record(step: StepRow, result: Finished, ms: number, reaped: boolean): void {
    const pool = this.live.get(step.pool_id)?.row.name ?? step.pool_id;
    const m = this.deps.metrics;
    if (result.retried) m.stepRetries.inc({ pool });
    else {
      if (!reaped) m.stepDuration.observe({ pool, outcome: result.state }, ms / 1000);
      if (result.state === 'failed') m.stepFailures.inc({ pool });
    }
    this.emit('step', { step, result } satisfies StepEvent);
  }

  private async onExit(w: WorkerHandle, code: number | null, signal: string | null): Promise<void> {
    const lp = this.live.get(w.poolId);
    lp?.workers.delete(w.id);
    if (w.commandPid) {
      // the worker died (e.g. SIGKILL) and left its command running: stop it before the retry
      try {
        process.kill(-w.commandPid, 'SIGKILL');
      } catch {}
      w.commandPid = undefined;
    }
    if (w.step && w.cutByShutdown) await this.giveBack(w, w.step);
    else if (w.step) {
      this.deps.log.warn(
        { pool: lp?.row.name, worker: w.id, code, signal, step: w.step.id },
        'worker died with a step',
      );
      await this.settle(w, { kind: 'lost', reason: `worker process died (${signal ?? `exit ${code}`})` });
    }
    // a worker that died on its own is replaced at once (not after the next tick)
    if (!w.stopping && !this.stopped && lp && lp.row.state === 'active') this.resize(lp);
  }

  private cancelLocal(stepId: string): void {
    this.inProcess.get(stepId)?.abort();
    for (const lp of this.live.values())
      for (const w of lp.workers.values()) if (w.step?.id === stepId) w.send({ type: 'cancel', stepId });
  }

  /** Cancel running steps held here at once (the store flag also reaches other hosts at their next pass). */
  cancelSteps(stepIds: string[]): void {
    for (const id of stepIds) this.cancelLocal(id);
  }

  /** A worker that stopped heartbeating is hung: kill it, so its step is retried elsewhere. */
  private checkHeartbeats(): void {
    const limit = Date.now() - Math.max(5 * HEARTBEAT_MS, this.cfg.lease_ms);
    for (const lp of this.live.values())
      for (const w of lp.workers.values()) if (w.state !== 'starting' && w.lastBeat < limit) w.kill();
  }

  counts(lp: LivePool): { starting: number; idle: number; busy: number; draining: number } {
    const c = { starting: 0, idle: 0, busy: 0, draining: 0 };
    for (const w of lp.workers.values()) c[w.stopping && w.state !== 'busy' ? 'draining' : w.state]++;
    return c;
  }

  private async report(lp: LivePool): Promise<void> {
    const c = this.counts(lp);
    for (const [state, v] of Object.entries(c))
      this.deps.metrics.workers.set({ pool: lp.row.name, state }, v);
    await this.deps.pools.reportMember({
      pool_id: lp.row.id,
      owner: this.owner,
      host: hostname(),
      pid: process.pid,
      ...c,
      steps_done: lp.stepsDone,
      heartbeat_at: Date.now(),
    });
  }

  private async forget(id: string, lp: LivePool): Promise<void> {
    for (const w of lp.workers.values()) if (!w.stopping) w.stop();
    if (lp.workers.size > 0) return;
    this.live.delete(id);
    for (const state of ['starting', 'idle', 'busy', 'draining'])
      this.deps.metrics.workers.remove({ pool: lp.row.name, state });
    this.deps.metrics.queueDepth.remove({ pool: lp.row.name });
    await this.deps.pools.removeMember(id, this.owner).catch(() => {});
  }

  /** A step cut short by a clean shutdown goes back to the queue; its attempt is not counted. */
  private async giveBack(w: WorkerHandle, step: StepRow): Promise<void> {
    w.step = undefined;
    const why = `attempt ${step.attempts} was cut short by a clean shutdown of ${this.owner}; queued again, attempt not counted`;
    const p = this.deps.queue
      .requeue(step, why)
      .then((ok) => this.deps.log.warn({ step: step.id, requeued: ok }, why))
      .catch((e) =>
        this.deps.log.error({ err: e, step: step.id }, 'could not requeue a step cut by shutdown'),
      );
    this.recording.add(p);
    await p;
    this.recording.delete(p);
  }

  /**
   * Shutdown: no new claims; drain every worker for up to `drainMs`, then kill the rest. A step cut
   * short goes back to the queue (attempt not counted), for the next process or another host.
   */
  stop(drainMs: number): Promise<void> {
    this.stopping ??= this.drainAndStop(drainMs);
    return this.stopping;
  }

  private async drainAndStop(drainMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    const all = [...this.live.values()].flatMap((lp) => [...lp.workers.values()]);
    for (const w of all) w.stop();
    const deadline = Date.now() + drainMs;
    while (all.some((w) => !w.exited) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    clearInterval(this.renewTimer);
    for (const w of all) {
      if (!w.exited && w.step) w.cutByShutdown = true;
      w.kill();
    }
    while (all.some((w) => !w.exited)) await new Promise((r) => setTimeout(r, 20));
    await Promise.allSettled([...this.recording]);
    await this.deps.slots.releaseAll(this.owner).catch(() => {});
    for (const lp of this.live.values())
      await this.deps.pools.removeMember(lp.row.id, this.owner).catch(() => {});
  }
}
