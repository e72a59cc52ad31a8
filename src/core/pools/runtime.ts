import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { StepRow } from '../workflows/runs.js';
import { dispatchIdle } from './claiming.js';
import { drainAndStop, forget } from './drain.js';
import { cancelLocal, record } from './execution.js';
import { checkHeartbeats, leaseMargin, renewLeases } from './leases.js';
import type { PoolMetrics } from './metrics.js';
import type { PoolRow, PoolStore } from './pools.js';
import type { Finished, StepQueue } from './queue.js';
import { counts, reconcile, report } from './sizing.js';
import type { PoolSlots } from './slots.js';
import { ResultSpool } from './spool.js';
import type { WorkerHandle } from './worker-handle.js';

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
  /** Queued and running steps of a pool from one snapshot (the queue depth and autoscale's work). */
  activeSteps: (poolId: string) => Promise<{ queued: number; running: number }>;
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
  /** Steps of the pool running anywhere, as the last pass counted them. */
  running: number;
  /** The desired size the last pass saw (a change by another host restarts the idle count). */
  seenDesired: number;
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
 *
 * This class holds the state and runs the passes; the work is in its parts, each a few plain
 * functions over it: sizing.ts (slots, autoscale, forking), claiming.ts (the claim loop),
 * execution.ts (hand-over, results, worker exits), leases.ts (renewal, hung workers) and
 * drain.ts (shutdown, re-queueing cut steps). Its fields are shared with those parts; outside
 * src/core/pools/ only owner, live, spool and the methods are meant to be used.
 */
export class PoolRuntime extends EventEmitter {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly live = new Map<string, LivePool>();
  /** Results the store could not take when their step ended. */
  readonly spool: ResultSpool;
  timer: NodeJS.Timeout | undefined;
  ticking: Promise<void> | undefined;
  stopped = false;
  private stopping: Promise<void> | undefined;
  renewTimer: NodeJS.Timeout | undefined;
  renewing = false;
  /** Claims and results in flight; shutdown waits for them before the store closes. */
  readonly recording = new Set<Promise<unknown>>();
  /** Adapter steps running in this process, by step id: aborted on cancel. */
  readonly inProcess = new Map<string, AbortController>();

  constructor(readonly deps: RuntimeDeps) {
    super();
    this.spool = new ResultSpool(
      join(deps.config().data.dir, 'pool-spool'),
      deps.queue,
      deps.log.child({ part: 'spool' }),
    );
  }

  get cfg() {
    return this.deps.config().pools;
  }

  /** Keep a promise in `recording` until it settles. */
  track<T>(p: Promise<T>): Promise<T> {
    const q = p.finally(() => this.recording.delete(q));
    this.recording.add(q);
    return q;
  }

  async start(): Promise<void> {
    // results a previous process on this data directory could not write go first, so a step that
    // ended before a restart is recorded, not reaped and run again
    this.spool.load();
    await this.spool.flush().then((done) => {
      for (const { step, result } of done) record(this, step, result, 0, true);
    });
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.cfg.tick_ms);
    this.timer.unref();
    // renewal has its own clock: a slow reconcile pass must not let leases lapse
    this.renewTimer = setInterval(() => void renewLeases(this), leaseMargin(this));
    this.renewTimer.unref();
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
      await reconcile(this, row);
    }
    for (const [id, lp] of this.live) if (!seen.has(id)) await forget(this, id, lp);
    await pools.pruneMembers(10 * 60_000);
    // our spooled results before the reaper: a result kept through an outage is recorded, not reaped
    if (this.spool.size > 0)
      for (const { step, result } of await this.spool.flush()) record(this, step, result, 0, true);
    for (const { step, result } of await queue.reap()) record(this, step, result, 0, true);
    for (const id of await queue.cancelRequested(this.owner)) cancelLocal(this, id);
    checkHeartbeats(this);
    this.deps.metrics.activeWorkflows.set(await this.deps.activeRuns());
    for (const lp of this.live.values()) {
      await report(this, lp);
      dispatchIdle(this, lp);
    }
    this.emit('pass');
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
    if (lp) dispatchIdle(this, lp);
  }

  /** Cancel running steps held here at once (the store flag also reaches other hosts at their next pass). */
  cancelSteps(stepIds: string[]): void {
    for (const id of stepIds) cancelLocal(this, id);
  }

  counts(lp: LivePool): { starting: number; idle: number; busy: number; draining: number } {
    return counts(lp);
  }

  /**
   * Shutdown: no new claims; drain every worker for up to `drainMs`, then kill the rest. A step cut
   * short goes back to the queue (attempt not counted), for the next process or another host.
   */
  stop(drainMs: number): Promise<void> {
    this.stopping ??= drainAndStop(this, drainMs);
    return this.stopping;
  }
}
