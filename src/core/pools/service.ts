import { cancelled, sleep } from '../cancel.js';
import type { Config } from '../config/schema.js';
import { invalid } from '../errors.js';
import type { HealthStatus } from '../health/schemas.js';
import type { Plan } from '../plan.js';
import type { Db } from '../sql/db.js';
import type { RunStore } from '../workflows/runs.js';
import { moveQueued, type QueuedRun, queuedRuns } from './move.js';
import { type MemberRow, type PoolRow, PoolStore, resolveTarget } from './pools.js';
import { StepQueue } from './queue.js';
import type { PoolRuntime } from './runtime.js';
import type {
  PoolDetail,
  PoolMoveQueueInput,
  PoolMoveQueueResult,
  PoolSpawnInput,
  PoolSummary,
  PoolUpdateInput,
  PoolUpdateResult,
} from './schemas.js';
import { PoolSlots } from './slots.js';

/**
 * What the pool tools call. Desired state lives in the store; when this process runs a pool
 * runtime (serve, worker), changes take effect at once and calls wait for the workers, otherwise
 * the next runtime pass of a serving process applies them.
 */
export class PoolService {
  readonly store: PoolStore;
  readonly queue: StepQueue;
  readonly slots: PoolSlots;
  runtime: PoolRuntime | undefined;

  constructor(
    private readonly db: Db,
    private readonly runs: RunStore,
    private readonly config: () => Config,
  ) {
    this.store = new PoolStore(db);
    this.queue = new StepQueue(db);
    this.slots = new PoolSlots(db);
  }

  private get freshMs() {
    return Math.max(3 * this.config().pools.tick_ms, 3000);
  }

  async summary(row: PoolRow, members?: MemberRow[]): Promise<PoolSummary> {
    const m = members ?? (await this.store.members(row.id, this.freshMs));
    const sum = (k: 'starting' | 'idle' | 'busy' | 'draining') => m.reduce((a, x) => a + x[k], 0);
    const workers = {
      starting: sum('starting'),
      idle: sum('idle'),
      busy: sum('busy'),
      draining: sum('draining'),
      total: 0,
    };
    workers.total = workers.starting + workers.idle + workers.busy + workers.draining;
    const done = await this.db.query<{ c: number }>(
      'SELECT COUNT(*) AS c FROM workflow_steps WHERE pool_id = $1 AND finished_at >= $2',
      [row.id, Date.now() - 60_000],
    );
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      state: row.state,
      min: row.min_workers,
      max: row.max_workers,
      desired: row.desired,
      autoscale: row.autoscale === 1,
      workers,
      queue_depth: await this.runs.countSteps(row.id, 'queued'),
      running_steps: await this.runs.countSteps(row.id, 'running'),
      steps_last_minute: Number(done[0]?.c ?? 0),
      hosts: m.length,
      created_at: new Date(row.created_at).toISOString(),
    };
  }

  async list(includeClosed: boolean): Promise<PoolSummary[]> {
    const rows = await this.store.list(includeClosed);
    return Promise.all(rows.map((r) => this.summary(r)));
  }

  async status(ref: string): Promise<PoolDetail> {
    const row = await this.store.find(ref);
    const members = await this.store.members(row.id, this.freshMs);
    const slots = await this.slots.byOwner(row.id);
    const now = Date.now();
    return {
      ...(await this.summary(row, members)),
      members: members.map(({ pool_id: _p, steps_done: _s, heartbeat_at, ...x }) => ({
        ...x,
        slots: slots.get(x.owner) ?? 0,
        heartbeat_age_ms: now - heartbeat_at,
      })),
    };
  }

  /**
   * Apply the store's new desired state here now, and wait for new workers to be ready. A cancel
   * ends the wait (the workers go on starting: the desired size is already recorded).
   */
  private async applyNow(poolId: string, signal?: AbortSignal): Promise<void> {
    if (!this.runtime) return;
    await this.runtime.tick();
    await this.runtime.waitReady(poolId, this.config().pools.ready_timeout_ms, signal);
    if (!signal?.aborted) await this.runtime.tick();
  }

  async spawn(input: PoolSpawnInput, signal?: AbortSignal): Promise<PoolSummary> {
    const row = await this.store.create(input);
    await this.applyNow(row.id, signal);
    if (signal?.aborted)
      throw cancelled(signal, {
        done: [
          `pool ${row.name} (${row.id}) created with desired size ${row.desired}; its workers are starting`,
        ],
        notDone: [
          'waiting for the workers to be ready (pool_status shows them; pool_close removes the pool)',
        ],
      });
    return this.summary(await this.store.get(row.id));
  }

  async scale(ref: string, target: number | string, signal?: AbortSignal): Promise<PoolSummary> {
    const row = await this.store.find(ref);
    if (row.state !== 'active')
      throw invalid(`pool ${row.name} is ${row.state}; only an active pool can be scaled`);
    const desired = resolveTarget(row, target);
    await this.store.setDesired(row.id, desired);
    await this.applyNow(row.id, signal);
    if (signal?.aborted)
      throw cancelled(signal, {
        done: [
          `desired size of pool ${row.name} set to ${desired} (was ${row.desired}); workers are being started or drained to match`,
        ],
        notDone: [
          'waiting for the new workers to be ready (pool_status shows them; pool_scale again to change the target)',
        ],
      });
    return this.summary(await this.store.get(row.id));
  }

  /**
   * New bounds or autoscale. The desired size is kept inside the new bounds: raising min starts
   * workers, lowering max below the desired size drains the workers above it (busy ones finish
   * their step first, as a scale down does), and queued steps stay queued.
   */
  async update(input: PoolUpdateInput, signal?: AbortSignal): Promise<PoolUpdateResult> {
    const before = await this.store.find(input.pool);
    if (before.state !== 'active')
      throw invalid(`pool ${before.name} is ${before.state}; only an active pool can be updated`);
    const min = input.min ?? before.min_workers;
    const max = input.max ?? before.max_workers;
    const autoscale = input.autoscale ?? before.autoscale === 1;
    await this.store.update(before.id, min, max, autoscale);
    await this.applyNow(before.id, signal);
    if (signal?.aborted)
      throw cancelled(signal, {
        done: [`pool ${before.name} bounds set to [${min}, ${max}], autoscale ${autoscale ? 'on' : 'off'}`],
        notDone: ['waiting for workers to start or drain to match (pool_status shows them)'],
      });
    const after = await this.store.get(before.id);
    const changes: string[] = [];
    if (after.min_workers !== before.min_workers)
      changes.push(`min ${before.min_workers} → ${after.min_workers}`);
    if (after.max_workers !== before.max_workers)
      changes.push(`max ${before.max_workers} → ${after.max_workers}`);
    if (after.autoscale !== before.autoscale) changes.push(`autoscale ${after.autoscale ? 'on' : 'off'}`);
    if (after.desired > before.desired)
      changes.push(`desired ${before.desired} → ${after.desired}: raised to the new min, workers start`);
    if (after.desired < before.desired)
      changes.push(
        `desired ${before.desired} → ${after.desired}: lowered to the new max; ${before.desired - after.desired} ` +
          'worker(s) drain (idle ones stop now, busy ones finish their step first); queued steps stay queued',
      );
    if (changes.length === 0) changes.push('nothing changed: the pool already had these settings');
    return { ...(await this.summary(after)), changes };
  }

  /** Both pools of a move: the target must be active and another pool. */
  private async movePools(input: PoolMoveQueueInput): Promise<[PoolRow, PoolRow]> {
    const from = await this.store.find(input.from);
    const to = await this.store.find(input.to);
    if (to.id === from.id) throw invalid(`from and to are both pool ${from.name}; name two different pools`);
    if (to.state !== 'active')
      throw invalid(
        `pool ${to.name} is ${to.state}; move the queue to an active pool (spawn one with \`pool_spawn\`)`,
      );
    return [from, to];
  }

  async moveQueuePlan(input: PoolMoveQueueInput): Promise<Plan> {
    const [from, to] = await this.movePools(input);
    const runs = await queuedRuns(this.db, from.id, input.limit);
    const shown = runs
      .slice(0, 50)
      .map((r) => `  ${r.run_id} (${r.workflow}${paramsText(r)}), step ${r.step}`);
    return {
      steps: [
        `move ${runs.length} queued run(s) of pool ${from.name} to pool ${to.name}, oldest first (each with its later steps):`,
        ...shown,
        ...(runs.length > shown.length ? [`  … and ${runs.length - shown.length} more`] : []),
        'steps already running stay on their pool; a step claimed before the move is not moved',
      ],
      impact: { from: from.name, to: to.name, moved: runs.length, runs: runs.map((r) => r.run_id) },
    };
  }

  /** Move a pool's queued runs to another pool (the runbook's emergency pool), and wake its workers. */
  async moveQueue(input: PoolMoveQueueInput): Promise<PoolMoveQueueResult> {
    const [from, to] = await this.movePools(input);
    const moved = await moveQueued(this.db, from.id, to.id, input.limit);
    this.runtime?.wake(to.id);
    return {
      from: from.name,
      to: to.name,
      moved: moved.length,
      runs: moved.map((r) => ({ ...r, queued_at: new Date(r.queued_at).toISOString() })),
      left: await this.runs.countSteps(from.id, 'queued'),
    };
  }

  async closePlan(ref: string, force: boolean): Promise<string[]> {
    const s = await this.summary(await this.store.find(ref));
    return [
      `mark pool ${s.name} (${s.id}) closing, so no new step is claimed`,
      `cancel ${s.queue_depth} queued step(s) of the pool (their runs end cancelled)`,
      force
        ? `kill the ${s.running_steps} running step(s) now; they are recorded cancelled`
        : `let the ${s.running_steps} running step(s) finish, then stop the ${s.workers.total} worker(s)`,
      'mark the pool closed once no step of it is running',
    ];
  }

  /**
   * Close a pool and wait for it to drain. A cancel ends the wait within one runtime pass: the
   * pool stays closing (no step is claimed, the queued ones are already cancelled) and closes by
   * itself when its running steps end.
   */
  async close(ref: string, force: boolean, signal?: AbortSignal): Promise<PoolSummary> {
    const row = await this.store.find(ref);
    await this.store.markClosing(row.id, force);
    const queued = await this.runs.cancelQueued(row.id, `pool ${row.name} closed`);
    const killed = force ? await this.queue.cancelRunning(row.id) : 0;
    if (this.runtime) {
      const deadline = Date.now() + this.config().pools.drain_timeout_ms;
      for (;;) {
        await this.runtime.tick();
        if ((await this.store.get(row.id)).state === 'closed' || Date.now() > deadline) break;
        if (signal?.aborted) {
          const running = await this.runs.countSteps(row.id, 'running');
          throw cancelled(signal, {
            done: [
              `pool ${row.name} marked closing: no new step is claimed`,
              `${queued} queued step(s) cancelled`,
              ...(force ? [`${killed} running step(s) told to stop`] : []),
            ],
            notDone: [
              `waiting for ${running} running step(s) to end; the pool closes by itself when they have ` +
                '(pool_close again waits for it; with force it kills them)',
            ],
          });
        }
        await sleep(50, signal).catch(() => {});
      }
    } else if ((await this.runs.countSteps(row.id, 'running')) === 0) {
      // no process holds a step of it: nothing to drain
      await this.store.markClosed(row.id);
    }
    return this.summary(await this.store.get(row.id));
  }

  /** The "pool exhausted" signal: at max size, every worker busy, and the queue not shrinking. */
  healthOf(
    name: string,
  ): { status: HealthStatus; message: string; details: Record<string, unknown> } | undefined {
    const lp = [...(this.runtime?.live.values() ?? [])].find((x) => x.row.name === name);
    if (!lp || !this.runtime) return undefined;
    const c = this.runtime.counts(lp);
    const details = { ...c, desired: lp.row.desired, max: lp.row.max_workers, queue_depth: lp.depth };
    const exhausted =
      lp.row.desired >= lp.row.max_workers &&
      c.idle + c.starting === 0 &&
      lp.depth > 0 &&
      lp.depth >= lp.prevDepth;
    return exhausted
      ? {
          status: 'degraded',
          message: `pool exhausted: ${c.busy}/${lp.row.max_workers} workers busy and ${lp.depth} steps queued; raise its max (\`pool_update\`) and scale it, or spawn another pool and move the queue to it (\`pool_move_queue\`)`,
          details,
        }
      : { status: 'healthy', message: `${c.busy} busy, ${c.idle} idle, ${lp.depth} queued`, details };
  }
}

const paramsText = (r: QueuedRun) => {
  const p = Object.entries(r.params).map(([k, v]) => `${k}=${v}`);
  return p.length ? ` ${p.join(' ')}` : '';
};
