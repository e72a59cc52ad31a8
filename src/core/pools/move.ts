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
 * skipped; the update re-checks `state = 'queued'`, so a step claimed meanwhile is never moved,
 * and the moved rows stay locked (unclaimable) until the runs have followed them. A run has at
 * most one queued or running step at a time, so a moved run has nothing running.
 */
export function moveQueued(db: Db, from: string, to: string, limit: number): Promise<QueuedRun[]> {
  const lock = db.dialect === 'postgres' ? 'FOR UPDATE OF s SKIP LOCKED' : '';
  return db.tx(async (t) => {
    // picked and locked first, then moved by id: PostgreSQL may run a LIMIT … SKIP LOCKED
    // subquery inside an UPDATE more than once and so move more than the limit
    const picked = await t.query<Row>(`${SELECT_QUEUED} ${lock}`, [from, limit]);
    if (picked.length === 0) return [];
    const ids = (n: number, first: number) => Array.from({ length: n }, (_, i) => `$${first + i}`).join(', ');
    const moved = new Set(
      (
        await t.query<{ id: string }>(
          `UPDATE workflow_steps SET pool_id = $1 WHERE pool_id = $2 AND state = 'queued'
           AND id IN (${ids(picked.length, 3)}) RETURNING id`,
          [to, from, ...picked.map((r) => r.id)],
        )
      ).map((r) => r.id),
    );
    const rows = picked.filter((r) => moved.has(r.id));
    if (rows.length === 0) return [];
    const runIds = [...new Set(rows.map((r) => r.run_id))];
    await t.query(
      `UPDATE workflow_runs SET pool_id = $1 WHERE pool_id = $2 AND id IN (${ids(runIds.length, 3)})`,
      [to, from, ...runIds],
    );
    await t.query(
      `UPDATE workflow_steps SET pool_id = $1 WHERE pool_id = $2 AND state = 'pending' AND run_id IN (${ids(runIds.length, 3)})`,
      [to, from, ...runIds],
    );
    return rows.map(queuedRun);
  });
}
