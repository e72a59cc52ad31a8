import { cancelled, sleep } from '../cancel.js';
import type { Config } from '../config/schema.js';
import { invalid } from '../errors.js';
import type { HealthStatus } from '../health/schemas.js';
import type { Db } from '../sql/db.js';
import type { RunStore } from '../workflows/runs.js';
import { type MemberRow, type PoolRow, PoolStore, resolveTarget } from './pools.js';
import { StepQueue } from './queue.js';
import type { PoolRuntime } from './runtime.js';
import type { PoolDetail, PoolSpawnInput, PoolSummary } from './schemas.js';
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
          message: `pool exhausted: ${c.busy}/${lp.row.max_workers} workers busy and ${lp.depth} steps queued; scale the pool or spawn another`,
          details,
        }
      : { status: 'healthy', message: `${c.busy} busy, ${c.idle} idle, ${lp.depth} queued`, details };
  }
}
