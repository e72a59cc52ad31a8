import type { Db } from '../sql/db.js';

/** A queued step of a pool and its run, as a move lists it. */
export interface QueuedRun {
  run_id: string;
  workflow: string;
  params: Record<string, string>;
  step: string;
  queued_at: number;
}

const SELECT_QUEUED = `SELECT s.id, s.run_id, s.name, s.queued_at, r.workflow, r.params
  FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id
  WHERE s.pool_id = $1 AND s.state = 'queued' ORDER BY s.queued_at, s.id LIMIT $2`;

interface Row {
  id: string;
  run_id: string;
  name: string;
  queued_at: number;
  workflow: string;
  params: string;
}

const queuedRun = (r: Row): QueuedRun => ({
  run_id: r.run_id,
  workflow: r.workflow,
  params: JSON.parse(r.params) as Record<string, string>,
  step: r.name,
  queued_at: Number(r.queued_at),
});

/** The queued (unclaimed) steps of a pool, oldest first: what a move would take. */
export async function queuedRuns(db: Db, poolId: string, limit: number): Promise<QueuedRun[]> {
  return (await db.query<Row>(SELECT_QUEUED, [poolId, limit])).map(queuedRun);
}

/**
 * Move up to `limit` queued steps of pool `from` to pool `to`, oldest first, in one transaction,
 * with their runs and the runs' later (pending) steps. Only queued steps move: a claimed step is
 * running and stays where it is. On PostgreSQL the rows are locked and rows a claimer holds are
 * skipped; the update re-checks `state = 'queued'`, so a step claimed meanwhile is never moved.
 * A run has at most one queued or running step at a time, so a moved run has nothing running.
 */
export function moveQueued(db: Db, from: string, to: string, limit: number): Promise<QueuedRun[]> {
  const lock = db.dialect === 'postgres' ? 'FOR UPDATE OF s SKIP LOCKED' : '';
  return db.tx(async (t) => {
    const rows = await t.query<Row>(`${SELECT_QUEUED} ${lock}`, [from, limit]);
    const moved: QueuedRun[] = [];
    for (const r of rows) {
      const done = await t.query(
        "UPDATE workflow_steps SET pool_id = $1 WHERE id = $2 AND pool_id = $3 AND state = 'queued' RETURNING id",
        [to, r.id, from],
      );
      if (done.length === 0) continue;
      await t.query(
        "UPDATE workflow_steps SET pool_id = $1 WHERE run_id = $2 AND pool_id = $3 AND state = 'pending'",
        [to, r.run_id, from],
      );
      await t.query('UPDATE workflow_runs SET pool_id = $1 WHERE id = $2 AND pool_id = $3', [
        to,
        r.run_id,
        from,
      ]);
      moved.push(queuedRun(r));
    }
    return moved;
  });
}
