import { hostname } from 'node:os';
import type { Db } from './sql/db.js';

/** The installation-wide maintenance as the store holds it (one row at most). */
export interface BoardState {
  token: string;
  reason: string;
  holder: string;
  since: number;
  expires_at: number;
  cancel_running: boolean;
}

export interface Peer {
  owner: string;
  host: string;
  pid: number;
  heartbeat_at: number;
  ack_token: string | null;
}

const ROW = 'installation';

/**
 * Maintenance through the store (migration 23), so that every process of the installation (serve
 * replicas, `mahavishnu worker` hosts on one PostgreSQL) sees it, not only the one restoring. The
 * holder renews an expiry, so a holder that died does not leave the installation paused; every
 * long-running process heartbeats a peer row and acknowledges a maintenance once it has stopped
 * writing and claiming, and the holder waits for those acknowledgements.
 */
export class MaintenanceBoard {
  constructor(private readonly db: Db) {}

  /** The active maintenance, or undefined (none, or its holder stopped renewing it). */
  async read(now = Date.now()): Promise<BoardState | undefined> {
    const r = (
      await this.db.query<Record<string, unknown>>('SELECT * FROM maintenance WHERE id = $1', [ROW])
    )[0];
    if (!r || Number(r.expires_at) < now) return undefined;
    return {
      token: String(r.token),
      reason: String(r.reason),
      holder: String(r.holder),
      since: Number(r.since),
      expires_at: Number(r.expires_at),
      cancel_running: Number(r.cancel_running) === 1,
    };
  }

  /** Take the maintenance; the state of the one already active when another holds it. */
  async claim(s: Omit<BoardState, 'cancel_running'>): Promise<BoardState | undefined> {
    return this.db.tx(async (t) => {
      await t.query('DELETE FROM maintenance WHERE id = $1 AND expires_at < $2', [ROW, Date.now()]);
      const got = await t.query(
        `INSERT INTO maintenance (id, token, reason, holder, since, expires_at, cancel_running)
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (id) DO NOTHING RETURNING token`,
        [ROW, s.token, s.reason, s.holder, s.since, s.expires_at],
      );
      if (got.length) return undefined;
      return (await new MaintenanceBoard(t).read(0)) ?? undefined;
    });
  }

  async renew(token: string, expiresAt: number): Promise<void> {
    await this.db.query('UPDATE maintenance SET expires_at = $1 WHERE id = $2 AND token = $3', [
      expiresAt,
      ROW,
      token,
    ]);
  }

  /** Ask every process to cancel its running steps (the restore's cancel_running). */
  async requestCancel(token: string): Promise<void> {
    await this.db.query('UPDATE maintenance SET cancel_running = 1 WHERE id = $1 AND token = $2', [
      ROW,
      token,
    ]);
  }

  async release(token: string): Promise<void> {
    await this.db.query('DELETE FROM maintenance WHERE id = $1 AND token = $2', [ROW, token]);
  }

  /** This process is alive and (with a token) has stopped writing for that maintenance. */
  async heartbeat(owner: string, ack: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO maintenance_peers (owner, host, pid, heartbeat_at, ack_token) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, ack_token = excluded.ack_token`,
      [owner, hostname(), process.pid, Date.now(), ack],
    );
  }

  async leave(owner: string): Promise<void> {
    await this.db.query('DELETE FROM maintenance_peers WHERE owner = $1', [owner]);
  }

  /** Peers that heartbeat within `staleMs` (older rows are processes gone; they are pruned). */
  async peers(staleMs: number): Promise<Peer[]> {
    const cut = Date.now() - staleMs;
    await this.db.query('DELETE FROM maintenance_peers WHERE heartbeat_at < $1', [cut - 10 * staleMs]);
    const rows = await this.db.query<Record<string, unknown>>(
      'SELECT * FROM maintenance_peers WHERE heartbeat_at >= $1 ORDER BY owner',
      [cut],
    );
    return rows.map((r) => ({
      owner: String(r.owner),
      host: String(r.host),
      pid: Number(r.pid),
      heartbeat_at: Number(r.heartbeat_at),
      ack_token: r.ack_token === null ? null : String(r.ack_token),
    }));
  }

  /** Steps running anywhere in the installation (what a restore drains). */
  async running(): Promise<Array<{ id: string; lease_owner: string | null }>> {
    return this.db.query("SELECT id, lease_owner FROM workflow_steps WHERE state = 'running' ORDER BY id");
  }

  /** Flag every running step for cancellation; their holders kill them and record them cancelled. */
  async flagRunning(): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      "UPDATE workflow_steps SET cancel_requested = 1 WHERE state = 'running' RETURNING id",
    );
    return rows.map((r) => r.id);
  }
}
