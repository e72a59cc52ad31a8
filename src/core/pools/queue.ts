import type { Db } from '../sql/db.js';
import { type StepRow, settleRun, stepOf } from '../workflows/runs.js';

export type Outcome =
  | { kind: 'exited'; exitCode: number | null; signal: string | null; timedOut: boolean; output: string }
  | { kind: 'cancelled'; output: string }
  /** The worker process died or the lease expired: the step's result is unknown. */
  | { kind: 'lost'; reason: string };

export interface Finished {
  /** The step's new state: queued again (a retry) or terminal. */
  state: 'queued' | 'succeeded' | 'failed' | 'cancelled';
  retried: boolean;
  runEnded?: string | undefined;
  /** The step claimed next for the same worker, when asked for. */
  next?: StepRow | undefined;
}

/** Output as the store can keep it: NUL bytes (PostgreSQL refuses them in text) become U+FFFD. */
export const storable = (s: string): string => s.replaceAll('\u0000', '\uFFFD');

/**
 * The step queue. A claim is a lease: `running`, owned by one runtime until `lease_expires`,
 * renewed while its worker heartbeats. Every claim increments the step's `fence`, and every later
 * write of the step's state is `… WHERE id = $ AND fence = $`: a holder whose lease was taken
 * over (reaped, claimed again) matches no row, so it can never overwrite the new holder's state.
 */
export class StepQueue {
  constructor(private readonly db: Db) {}

  /**
   * Take the oldest queued step of a pool (PostgreSQL skips rows other claimers hold); nothing
   * while the installation is in maintenance (a restore), even in a process that has not seen it yet.
   */
  claim(poolId: string, owner: string, leaseMs: number): Promise<StepRow | undefined> {
    return this.db.tx((t) => this.claimIn(t, poolId, owner, leaseMs));
  }

  private async claimIn(t: Db, poolId: string, owner: string, leaseMs: number): Promise<StepRow | undefined> {
    const now = Date.now();
    const lock = t.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    {
      const rows = await t.query<StepRow>(
        `UPDATE workflow_steps SET state = 'running', lease_owner = $1, lease_expires = $2,
           attempts = attempts + 1, fence = fence + 1, started_at = $3
         WHERE id = (SELECT id FROM workflow_steps WHERE pool_id = $4 AND state = 'queued'
                     ORDER BY queued_at, id LIMIT 1 ${lock})
           AND state = 'queued'
           AND NOT EXISTS (SELECT 1 FROM maintenance WHERE expires_at >= $3)
         RETURNING *`,
        [owner, now + leaseMs, now, poolId],
      );
      const step = rows[0] && stepOf(rows[0]);
      if (step)
        await t.query(
          "UPDATE workflow_runs SET state = 'running', started_at = $1 WHERE id = $2 AND state = 'queued'",
          [now, step.run_id],
        );
      return step;
    }
  }

  /**
   * Record what happened to a claimed step; undefined when the claim was no longer ours (its
   * fence moved on: the lease was reaped or the step claimed again). With
   * `expiredBefore` (the reaper), only a lease that is still expired is taken over. With `next`,
   * the worker's next step is claimed in the same transaction (one commit per step, not two).
   */
  async finish(
    step: StepRow,
    owner: string,
    out: Outcome,
    expiredBefore?: number,
    next?: { poolId: string; leaseMs: number },
  ): Promise<Finished | undefined> {
    const now = Date.now();
    const lock = this.db.dialect === 'postgres' ? 'FOR UPDATE' : '';
    return this.db.tx(async (t) => {
      const cur = (
        await t.query<{ cancel_requested: number }>(
          `SELECT cancel_requested FROM workflow_steps
           WHERE id = $1 AND state = 'running' AND fence = $2 AND lease_owner = $3 ${expiredBefore ? 'AND lease_expires < $4' : ''} ${lock}`,
          expiredBefore ? [step.id, step.fence, owner, expiredBefore] : [step.id, step.fence, owner],
        )
      )[0];
      if (!cur) return undefined;
      const cancelled = out.kind === 'cancelled' || Number(cur.cancel_requested) === 1;
      const ok = out.kind === 'exited' && out.exitCode === 0 && !out.timedOut;
      const state = ok ? 'succeeded' : cancelled ? 'cancelled' : 'failed';
      const output = out.kind === 'lost' ? '' : storable(out.output);
      const error =
        out.kind === 'lost'
          ? out.reason
          : out.kind === 'cancelled'
            ? 'cancelled by request'
            : out.timedOut
              ? `timed out after ${step.timeout_ms} ms`
              : ok
                ? null
                : out.signal
                  ? `killed by ${out.signal}`
                  : `exited with code ${out.exitCode}`;
      const exitCode = out.kind === 'exited' ? out.exitCode : null;
      if (state === 'failed' && step.attempts < step.max_attempts) {
        await t.query(
          `UPDATE workflow_steps SET state = 'queued', lease_owner = NULL, lease_expires = NULL, queued_at = $1,
             error = $2, exit_code = $3, output = $4 WHERE id = $5 AND fence = $6`,
          [now, `attempt ${step.attempts}: ${error}`, exitCode, output, step.id, step.fence],
        );
        return {
          state: 'queued',
          retried: true,
          next: next && (await this.claimIn(t, next.poolId, owner, next.leaseMs)),
        };
      }
      await t.query(
        `UPDATE workflow_steps SET state = $1, lease_owner = NULL, lease_expires = NULL, finished_at = $2,
           error = $3, exit_code = $4, output = $5 WHERE id = $6 AND fence = $7`,
        [state, now, error, exitCode, output, step.id, step.fence],
      );
      if (state === 'succeeded') {
        await t.query(
          "UPDATE workflow_steps SET state = 'queued', queued_at = $1 WHERE run_id = $2 AND idx = $3 AND state = 'pending'",
          [now, step.run_id, step.idx + 1],
        );
      } else {
        await t.query(
          "UPDATE workflow_steps SET state = 'cancelled', error = $1, finished_at = $2 WHERE run_id = $3 AND state = 'pending'",
          [`not run: step ${step.name} ${state}`, now, step.run_id],
        );
      }
      const runEnded = await settleRun(t, step.run_id);
      return {
        state,
        retried: false,
        runEnded,
        next: next && (await this.claimIn(t, next.poolId, owner, next.leaseMs)),
      };
    });
  }

  /** Give back a claim that was never handed to a worker (it stopped meanwhile): no attempt is used. */
  async release(step: StepRow): Promise<void> {
    await this.requeue(step, null);
  }

  /**
   * Put a claimed step back in the queue without counting the attempt (a clean shutdown cut it
   * short, or it was never started); `why` is kept as the step's error so status says what
   * happened. False when the claim was no longer ours.
   */
  async requeue(step: StepRow, why: string | null): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE workflow_steps SET state = 'queued', lease_owner = NULL, lease_expires = NULL, attempts = attempts - 1,
         queued_at = $1, error = COALESCE($2, error)
       WHERE id = $3 AND state = 'running' AND fence = $4 RETURNING id`,
      [Date.now(), why, step.id, step.fence],
    );
    return rows.length > 0;
  }

  /**
   * Extend the leases of every step this runtime holds; returns the fence of each step renewed,
   * so the runtime can tell which of its steps it no longer holds (taken over while it was away).
   */
  async renew(owner: string, leaseMs: number): Promise<Map<string, number>> {
    const rows = await this.db.query<{ id: string; fence: number }>(
      "UPDATE workflow_steps SET lease_expires = $1 WHERE lease_owner = $2 AND state = 'running' RETURNING id, fence",
      [Date.now() + leaseMs, owner],
    );
    return new Map(rows.map((r) => [r.id, Number(r.fence)]));
  }

  /** Steps whose lease expired (their host died): retried or failed, as a crash would be. */
  async reap(limit = 50): Promise<Array<{ step: StepRow; result: Finished }>> {
    const expired = await this.db.query<StepRow>(
      `SELECT * FROM workflow_steps WHERE state = 'running' AND lease_expires < $1 ORDER BY lease_expires LIMIT $2`,
      [Date.now(), limit],
    );
    const out: Array<{ step: StepRow; result: Finished }> = [];
    for (const raw of expired) {
      const step = stepOf(raw);
      const result = await this.finish(
        step,
        step.lease_owner!,
        { kind: 'lost', reason: `lease of ${step.lease_owner} expired (host gone?)` },
        Date.now(),
      );
      if (result) out.push({ step, result });
    }
    return out;
  }

  /** Running steps this runtime holds that someone asked to cancel. */
  async cancelRequested(owner: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      "SELECT id FROM workflow_steps WHERE lease_owner = $1 AND state = 'running' AND cancel_requested = 1",
      [owner],
    );
    return rows.map((r) => r.id);
  }

  /** Flag every running step of a pool for cancellation (pool close --force). */
  async cancelRunning(poolId: string): Promise<number> {
    const rows = await this.db.query(
      "UPDATE workflow_steps SET cancel_requested = 1 WHERE pool_id = $1 AND state = 'running' RETURNING id",
      [poolId],
    );
    return rows.length;
  }
}
