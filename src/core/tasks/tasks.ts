import { randomBytes } from 'node:crypto';
import type { Db } from '../sql/db.js';

export type TaskStatus = 'working' | 'completed' | 'failed' | 'cancelled';

/** A tool call running (or run) in the background: what a client polls after it disconnected. */
export interface TaskRecord {
  id: string;
  /** The user who started it; only they see it. */
  owner: string;
  tool: string;
  status: TaskStatus;
  /** The last progress report, or why it ended (failed, cancelled). */
  statusMessage: string | undefined;
  progress: { progress: number; total?: number; message?: string } | undefined;
  /** The tool's output (completed). */
  output: unknown;
  /** The error it ended with (failed, cancelled): the AppError as every face shows it. */
  error: Record<string, unknown> | undefined;
  createdAt: number;
  updatedAt: number;
  /** Kept this long after it was created; null: until deleted with the store. */
  ttlMs: number | null;
  /** Last sign of life of the process running it (working tasks). */
  heartbeatAt: number;
}

interface Row {
  id: string;
  owner: string;
  tool: string;
  status: TaskStatus;
  status_message: string | null;
  progress: string | null;
  output: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  ttl_ms: number | null;
  heartbeat_at: number;
  runner: string;
  cancel_requested: number;
}

const parse = (s: string | null) => (s === null ? undefined : JSON.parse(s));
const toRecord = (r: Row): TaskRecord => ({
  id: r.id,
  owner: r.owner,
  tool: r.tool,
  status: r.status,
  statusMessage: r.status_message ?? undefined,
  progress: parse(r.progress),
  output: parse(r.output),
  error: parse(r.error),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  ttlMs: r.ttl_ms === null ? null : Number(r.ttl_ms),
  heartbeatAt: Number(r.heartbeat_at),
});

const COLS =
  'id, owner, tool, status, status_message, progress, output, error, created_at, updated_at, ttl_ms, heartbeat_at, runner, cancel_requested';

/**
 * Task records in the state store, so a task's status and result outlive the connection that
 * started it and the process that ran it, and any replica can answer for it. Every transition out
 * of `working` is one guarded UPDATE: a task ends once, whoever gets there first.
 */
export class ToolTasks {
  constructor(private readonly db: Db) {}

  async create(o: {
    owner: string;
    tool: string;
    ttlMs: number | null;
    runner: string;
  }): Promise<TaskRecord> {
    const now = Date.now();
    const id = `task_${randomBytes(12).toString('base64url')}`;
    await this.db.query(
      `INSERT INTO tool_tasks (${COLS}) VALUES ($1,$2,$3,'working',NULL,NULL,NULL,NULL,$4,$4,$5,$4,$6,0)`,
      [id, o.owner, o.tool, now, o.ttlMs, o.runner],
    );
    return (await this.get(id))!;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const rows = await this.db.query<Row>(`SELECT ${COLS} FROM tool_tasks WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  /** A user's tasks, newest first; `before` is the createdAt/id cursor of the previous page. */
  async list(
    owner: string,
    limit: number,
    before?: { createdAt: number; id: string },
  ): Promise<TaskRecord[]> {
    const rows = before
      ? await this.db.query<Row>(
          `SELECT ${COLS} FROM tool_tasks WHERE owner = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3))
            ORDER BY created_at DESC, id DESC LIMIT $4`,
          [owner, before.createdAt, before.id, limit],
        )
      : await this.db.query<Row>(
          `SELECT ${COLS} FROM tool_tasks WHERE owner = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
          [owner, limit],
        );
    return rows.map(toRecord);
  }

  async progress(id: string, p: NonNullable<TaskRecord['progress']>): Promise<void> {
    const pct = p.total ? ` (${Math.round((100 * p.progress) / p.total)}%)` : '';
    await this.db.query(
      `UPDATE tool_tasks SET progress = $2, status_message = $3, updated_at = $4 WHERE id = $1 AND status = 'working'`,
      [id, JSON.stringify(p), `${p.message ?? 'working'}${pct}`, Date.now()],
    );
  }

  /** End a working task; false when it had already ended (cancelled meanwhile, or marked failed). */
  async finish(
    id: string,
    status: Exclude<TaskStatus, 'working'>,
    o: { output?: unknown; error?: TaskRecord['error']; message?: string },
  ): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE tool_tasks SET status = $2, output = $3, error = $4, status_message = $5, updated_at = $6
        WHERE id = $1 AND status = 'working' RETURNING id`,
      [
        id,
        status,
        o.output === undefined ? null : JSON.stringify(o.output),
        o.error === undefined ? null : JSON.stringify(o.error),
        o.message ?? null,
        Date.now(),
      ],
    );
    return rows.length > 0;
  }

  /** Record that the task's owner asked to cancel it; the process running it stops it. */
  async requestCancel(id: string): Promise<void> {
    await this.db.query(`UPDATE tool_tasks SET cancel_requested = 1 WHERE id = $1 AND status = 'working'`, [
      id,
    ]);
  }

  /** Sign of life of the given running tasks; returns those whose cancellation was asked for. */
  async heartbeat(runner: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const now = Date.now();
    const marks = ids.map((_, i) => `$${i + 3}`).join(',');
    await this.db.query(
      `UPDATE tool_tasks SET heartbeat_at = $1 WHERE runner = $2 AND status = 'working' AND id IN (${marks})`,
      [now, runner, ...ids],
    );
    const rows = await this.db.query<{ id: string }>(
      `SELECT id FROM tool_tasks WHERE cancel_requested = 1 AND status = 'working' AND id IN (${ids
        .map((_, i) => `$${i + 1}`)
        .join(',')})`,
      [...ids],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Working tasks nobody has heard of for staleMs: the process running them stopped (a crash, a
   * kill, a restart). They are marked failed with the reason; returns how many.
   */
  async failInterrupted(staleMs: number): Promise<number> {
    const now = Date.now();
    const error = {
      code: 'unavailable',
      message:
        'interrupted: the server process running this task stopped before it finished; ' +
        'the work may be partly done: check the state it changes and call the tool again',
      retryable: true,
    };
    const rows = await this.db.query<{ id: string }>(
      `UPDATE tool_tasks SET status = 'failed', error = $1, status_message = $2, updated_at = $3
        WHERE status = 'working' AND heartbeat_at < $4 RETURNING id`,
      [JSON.stringify(error), error.message, now, now - staleMs],
    );
    return rows.length;
  }

  /** Drop ended tasks past their ttl. */
  async sweepExpired(): Promise<void> {
    await this.db.query(
      `DELETE FROM tool_tasks WHERE status <> 'working' AND ttl_ms IS NOT NULL AND created_at + ttl_ms < $1`,
      [Date.now()],
    );
  }
}
