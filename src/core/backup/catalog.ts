import type { Db } from '../sql/db.js';
import type { BackupType } from './manifest.js';

export interface CatalogRow {
  id: string;
  type: BackupType;
  status: 'running' | 'complete' | 'failed';
  store: string;
  location: string;
  size_bytes: number | null;
  created_at: number;
  completed_at: number | null;
  duration_ms: number | null;
  host: string;
  pid: number;
  schema_version: number;
  verified_at: number | null;
  verified_ok: number | null;
  error: string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const row = (r: CatalogRow): CatalogRow => ({
  ...r,
  size_bytes: num(r.size_bytes),
  created_at: Number(r.created_at),
  completed_at: num(r.completed_at),
  duration_ms: num(r.duration_ms),
  pid: Number(r.pid),
  schema_version: Number(r.schema_version),
  verified_at: num(r.verified_at),
  verified_ok: num(r.verified_ok),
});

/** The backup catalog: what this store knows about archives (the blob store is the truth of what exists). */
export class Catalog {
  constructor(private readonly db: Db) {}

  /** Claim an id; false when another backup already has it. */
  async claim(r: Pick<CatalogRow, 'id' | 'type' | 'store' | 'location' | 'host' | 'pid' | 'schema_version'>) {
    try {
      await this.db.query(
        `INSERT INTO backup_catalog (id, type, status, store, location, created_at, host, pid, schema_version)
         VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8)`,
        [r.id, r.type, r.store, r.location, Date.now(), r.host, r.pid, r.schema_version],
      );
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'conflict') return false;
      throw e;
    }
  }

  /** A running backup's row passed to the process `pid`, which writes its archive from now on. */
  async handOver(id: string, pid: number) {
    const r = await this.db.query<{ id: string }>(
      `UPDATE backup_catalog SET pid = $2 WHERE id = $1 AND status = 'running' RETURNING id`,
      [id, pid],
    );
    if (r.length !== 1) throw new Error(`backup ${id} is not running any more`);
  }

  async complete(id: string, size: number, durationMs: number) {
    await this.db.query(
      `UPDATE backup_catalog SET status = 'complete', size_bytes = $2, completed_at = $3, duration_ms = $4 WHERE id = $1`,
      [id, size, Date.now(), Math.round(durationMs)],
    );
  }

  async fail(id: string, error: string) {
    await this.db.query(`UPDATE backup_catalog SET status = 'failed', error = $2 WHERE id = $1`, [
      id,
      error.slice(0, 500),
    ]);
  }

  /**
   * Record a verification. An archive the catalog does not know (copied in by hand, e.g. the
   * runbook's `aws s3 cp` into the backup folder) gets its row here, from what the archive says.
   */
  async verified(
    id: string,
    ok: boolean,
    found?: {
      type: string;
      created_at: number;
      store: string;
      location: string;
      size: number;
      host: string;
      schema_version: number;
    },
  ) {
    const now = Date.now();
    const hit = await this.db.query(
      'UPDATE backup_catalog SET verified_at = $2, verified_ok = $3 WHERE id = $1 RETURNING id',
      [id, now, ok ? 1 : 0],
    );
    if (hit.length || !found) return;
    await this.db.query(
      `INSERT INTO backup_catalog (id, type, status, store, location, size_bytes, created_at, completed_at, host, pid,
         schema_version, verified_at, verified_ok)
       VALUES ($1, $2, $11, $3, $4, $5, $6, $6, $7, 0, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      // one that fails verification is never the newest complete backup (metrics, health)
      [
        id,
        found.type,
        found.store,
        found.location,
        found.size,
        found.created_at,
        found.host,
        found.schema_version,
        now,
        ok ? 1 : 0,
        ok ? 'complete' : 'failed',
      ],
    );
  }

  async get(id: string): Promise<CatalogRow | undefined> {
    return (await this.db.query<CatalogRow>('SELECT * FROM backup_catalog WHERE id = $1', [id])).map(row)[0];
  }

  async all(): Promise<CatalogRow[]> {
    return (await this.db.query<CatalogRow>('SELECT * FROM backup_catalog ORDER BY created_at DESC')).map(
      row,
    );
  }

  async running(): Promise<CatalogRow[]> {
    return (await this.db.query<CatalogRow>("SELECT * FROM backup_catalog WHERE status = 'running'")).map(
      row,
    );
  }

  async lastComplete(): Promise<CatalogRow | undefined> {
    return (
      await this.db.query<CatalogRow>(
        "SELECT * FROM backup_catalog WHERE status = 'complete' ORDER BY completed_at DESC LIMIT 1",
      )
    ).map(row)[0];
  }

  async remove(id: string) {
    await this.db.query('DELETE FROM backup_catalog WHERE id = $1', [id]);
  }
}
