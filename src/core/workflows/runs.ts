import { randomBytes } from 'node:crypto';
import { notFound } from '../errors.js';
import type { Db } from '../sql/db.js';
import type { StepPlan } from './definition.js';
import type { RunState, StepState } from './schemas.js';

export const TERMINAL: readonly string[] = ['succeeded', 'failed', 'cancelled'];

export interface RunRow {
  id: string;
  workflow: string;
  pool_id: string;
  params: string;
  state: RunState;
  cancel_requested: number;
  requested_by: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface StepRow {
  id: string;
  run_id: string;
  idx: number;
  name: string;
  pool_id: string;
  argv: string;
  cwd: string;
  env_allow: string;
  env_set: string;
  timeout_ms: number;
  max_attempts: number;
  attempts: number;
  /** Fencing token of the current claim: grows on every claim; every write of the step names it. */
  fence: number;
  state: StepState;
  cancel_requested: number;
  lease_owner: string | null;
  lease_expires: number | null;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  output: string;
  /** An adapter step's call (JSON of AdapterStepCall); null for a command. */
  adapter_call: string | null;
}

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
export const stepOf = (r: StepRow): StepRow => ({
  ...r,
  idx: Number(r.idx),
  timeout_ms: Number(r.timeout_ms),
  max_attempts: Number(r.max_attempts),
  attempts: Number(r.attempts),
  fence: Number(r.fence),
  cancel_requested: Number(r.cancel_requested),
  lease_expires: n(r.lease_expires),
  queued_at: Number(r.queued_at),
  started_at: n(r.started_at),
  finished_at: n(r.finished_at),
  exit_code: n(r.exit_code),
});
const runOf = (r: RunRow): RunRow => ({
  ...r,
  cancel_requested: Number(r.cancel_requested),
  created_at: Number(r.created_at),
  started_at: n(r.started_at),
  finished_at: n(r.finished_at),
});

/**
 * After a step of a run reached a terminal state: when no step is left to do, the run ends
 * (succeeded only if every step did). Guarded by the run's state, so a finished run is never
 * overwritten. Returns the run's new terminal state, if it just ended.
 */
export async function settleRun(t: Db, runId: string): Promise<RunState | undefined> {
  const counts = await t.query<{ state: string; c: number }>(
    'SELECT state, COUNT(*) AS c FROM workflow_steps WHERE run_id = $1 GROUP BY state',
    [runId],
  );
  const by = new Map(counts.map((r) => [r.state, Number(r.c)]));
  if (['pending', 'queued', 'running'].some((s) => (by.get(s) ?? 0) > 0)) return undefined;
  const final: RunState = by.get('failed') ? 'failed' : by.get('cancelled') ? 'cancelled' : 'succeeded';
  const done = await t.query(
    "UPDATE workflow_runs SET state = $1, finished_at = $2 WHERE id = $3 AND state IN ('queued', 'running') RETURNING id",
    [final, Date.now(), runId],
  );
  return done.length ? final : undefined;
}

/** Workflow runs and their steps in the state store. */
export class RunStore {
  constructor(private readonly db: Db) {}

  async create(input: {
    workflow: string;
    poolId: string;
    params: Record<string, string>;
    steps: StepPlan[];
    requestedBy: string;
    idempotencyKey?: string | undefined;
  }): Promise<RunRow> {
    const id = `run-${randomBytes(6).toString('hex')}`;
    const now = Date.now();
    await this.db.tx(async (t) => {
      await t.query(
        `INSERT INTO workflow_runs (id, workflow, pool_id, params, state, cancel_requested, requested_by, created_at, idempotency_key)
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7)`,
        [
          id,
          input.workflow,
          input.poolId,
          JSON.stringify(input.params),
          input.requestedBy,
          now,
          input.idempotencyKey ?? null,
        ],
      );
      for (const [i, s] of input.steps.entries()) {
        await t.query(
          `INSERT INTO workflow_steps (id, run_id, idx, name, pool_id, argv, cwd, env_allow, env_set, timeout_ms,
             max_attempts, attempts, state, queued_at, adapter_call)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14)`,
          [
            `${id}.${i}`,
            id,
            i,
            s.name,
            input.poolId,
            JSON.stringify(s.argv),
            s.cwd,
            JSON.stringify(s.envAllow),
            JSON.stringify(s.envSet),
            s.timeoutMs,
            s.maxAttempts,
            i === 0 ? 'queued' : 'pending',
            now,
            s.adapter ? JSON.stringify(s.adapter) : null,
          ],
        );
      }
    });
    return this.get(id);
  }

  async get(id: string): Promise<RunRow> {
    const r = await this.db.query<RunRow>('SELECT * FROM workflow_runs WHERE id = $1', [id]);
    if (!r[0]) throw notFound(`no workflow run ${id}; recent runs: \`workflow_status\` without an id`);
    return runOf(r[0]);
  }

  /**
   * The run created with this idempotency key within the window, if any. A key older than the
   * window is released (its run keeps everything else), so the next request creates a new run.
   */
  async byIdempotencyKey(key: string, windowMs: number): Promise<RunRow | undefined> {
    const r = await this.db.query<RunRow>('SELECT * FROM workflow_runs WHERE idempotency_key = $1', [key]);
    if (!r[0]) return undefined;
    const run = runOf(r[0]);
    if (run.created_at >= Date.now() - windowMs) return run;
    await this.db.query('UPDATE workflow_runs SET idempotency_key = NULL WHERE id = $1', [run.id]);
    return undefined;
  }

  async recent(limit: number): Promise<RunRow[]> {
    const r = await this.db.query<RunRow>('SELECT * FROM workflow_runs ORDER BY created_at DESC LIMIT $1', [
      limit,
    ]);
    return r.map(runOf);
  }

  async steps(runId: string): Promise<StepRow[]> {
    const r = await this.db.query<StepRow>('SELECT * FROM workflow_steps WHERE run_id = $1 ORDER BY idx', [
      runId,
    ]);
    return r.map(stepOf);
  }

  /**
   * Ask a run to stop: steps not started are cancelled here; a running step is flagged, and the
   * runtime holding it kills its process and records it cancelled. Returns the running step ids.
   */
  async requestCancel(runId: string): Promise<string[]> {
    return this.db.tx(async (t) => {
      await t.query(
        "UPDATE workflow_runs SET cancel_requested = 1 WHERE id = $1 AND state IN ('queued', 'running')",
        [runId],
      );
      await t.query(
        "UPDATE workflow_steps SET state = 'cancelled', error = 'cancelled by request', finished_at = $1 WHERE run_id = $2 AND state IN ('pending', 'queued')",
        [Date.now(), runId],
      );
      const running = await t.query<{ id: string }>(
        "UPDATE workflow_steps SET cancel_requested = 1 WHERE run_id = $1 AND state = 'running' RETURNING id",
        [runId],
      );
      await settleRun(t, runId);
      return running.map((r) => r.id);
    });
  }

  /** Cancel every step of a pool not yet started (the pool is closing); returns how many. */
  async cancelQueued(poolId: string, reason: string): Promise<number> {
    return this.db.tx(async (t) => {
      const rows = await t.query<{ run_id: string }>(
        "UPDATE workflow_steps SET state = 'cancelled', error = $1, finished_at = $2 WHERE pool_id = $3 AND state IN ('pending', 'queued') RETURNING run_id",
        [reason, Date.now(), poolId],
      );
      for (const runId of new Set(rows.map((r) => r.run_id))) await settleRun(t, runId);
      return rows.length;
    });
  }

  /** Steps of a pool in one state (queued: the queue depth). */
  async countSteps(poolId: string, state: StepState): Promise<number> {
    const r = await this.db.query<{ c: number }>(
      'SELECT COUNT(*) AS c FROM workflow_steps WHERE pool_id = $1 AND state = $2',
      [poolId, state],
    );
    return Number(r[0]?.c ?? 0);
  }

  /** Queued and running steps of a pool, counted by one statement (one snapshot, so a step claimed meanwhile is counted once). */
  async activeSteps(poolId: string): Promise<{ queued: number; running: number }> {
    const rows = await this.db.query<{ state: string; c: number }>(
      "SELECT state, COUNT(*) AS c FROM workflow_steps WHERE pool_id = $1 AND state IN ('queued', 'running') GROUP BY state",
      [poolId],
    );
    const of = (st: string) => Number(rows.find((r) => r.state === st)?.c ?? 0);
    return { queued: of('queued'), running: of('running') };
  }

  async activeRuns(): Promise<number> {
    const r = await this.db.query<{ c: number }>(
      "SELECT COUNT(*) AS c FROM workflow_runs WHERE state IN ('queued', 'running')",
    );
    return Number(r[0]?.c ?? 0);
  }
}
