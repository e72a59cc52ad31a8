import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { Db, Param } from '../sql/db.js';
import type { Manifest } from './manifest.js';
import type { EntrySink, ReadLimits } from './read.js';
import { quote, stateTables, type TableInfo } from './schema-info.js';
import { columnKey } from './secrets.js';
import { decodeCell } from './values.js';

const AUDIT = 'audit_log';
const REWRITE_KEY = 'audit.rewrite';

/** Why this store cannot take the backup's tables, or undefined when it can (checked before anything changes). */
export function incompatibility(m: Manifest, target: TableInfo[], schemaVersion: number): string | undefined {
  if (m.schema_version > schemaVersion)
    return `it was made by schema version ${m.schema_version} (mahavishnu ${m.mahavishnu_version}) and this build knows only up to ${schemaVersion}; restore it with that version or newer`;
  for (const t of m.tables) {
    const have = target.find((x) => x.name === t.name);
    if (!have) return `table ${t.name} in the backup does not exist in this store`;
    const missing = t.columns.filter((c) => !have.columns.includes(c));
    if (missing.length) return `columns ${missing.join(', ')} of ${t.name} do not exist in this store`;
  }
  return undefined;
}

/**
 * Replace every state table of `db` with the archive's rows, in ONE transaction: the current rows
 * are deleted (the audit log through its rewrite switch, which exists only inside this
 * transaction), the archive is read a second time and each entry is checked against the
 * already-verified manifest before its rows count, and any failure rolls everything back.
 */
export async function restoreInto(
  db: Db,
  source: () => Promise<Readable>,
  o: {
    id: string;
    pinned: { manifest: Manifest; bytes: Buffer };
    signingKey: string;
    encryptionKey: string;
    limits: ReadLimits;
    onBytes?: (n: number) => void;
  },
): Promise<{ tables: number; rows: number; settings: Map<string, Buffer> }> {
  const m = o.pinned.manifest;
  const key = m.encryption ? columnKey(o.encryptionKey, m.id) : undefined;
  const settings = new Map<string, Buffer>();
  return db.tx(async (t) => {
    await t.lock('backup_restore');
    // appenders wait, then chain onto the restored head
    await t.lock('audit_log');
    const target = await stateTables(t);
    if (t.dialect === 'sqlite') {
      await t.exec('PRAGMA defer_foreign_keys = ON');
      await t.query(
        'INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = $2',
        [REWRITE_KEY, 'allowed', Date.now()],
      );
    } else {
      await t.query("SELECT set_config('mahavishnu.audit_rewrite', 'allowed', true)");
    }
    // the audit log first, while the switch row in kv still exists; then children before parents
    if (target.some((x) => x.name === AUDIT)) await t.query(`DELETE FROM ${quote(AUDIT)}`);
    for (const ti of [...target].reverse())
      if (ti.name !== AUDIT) await t.query(`DELETE FROM ${quote(ti.name)}`);

    const byEntry = new Map<string, Manifest['tables'][number]>();
    for (const tm of m.tables) for (const e of tm.entries) byEntry.set(e, tm);
    const restored = new Map<string, number>();
    const sink = (name: string): EntrySink | undefined => {
      if (name.startsWith('settings/')) {
        const parts: Buffer[] = [];
        return {
          write: (c) => void parts.push(c),
          end: () => void settings.set(name.slice(9), Buffer.concat(parts)),
        };
      }
      const tm = byEntry.get(name);
      return tm && rowSink(t, tm, key, (n) => restored.set(tm.name, (restored.get(tm.name) ?? 0) + n));
    };
    const { readArchive } = await import('./read.js'); // tar-stream: loaded when a restore runs
    await readArchive(await source(), {
      id: o.id,
      signingKey: o.signingKey,
      limits: o.limits,
      pinned: o.pinned,
      sink,
      ...(o.onBytes ? { onBytes: o.onBytes } : {}),
    });
    for (const tm of m.tables) {
      const n = restored.get(tm.name) ?? 0;
      if (n !== tm.rows)
        throw new AppError(
          'invalid_input',
          `backup ${o.id}: table ${tm.name} holds ${n} rows, the manifest says ${tm.rows}; nothing was changed`,
        );
    }
    if (t.dialect === 'sqlite') await t.query('DELETE FROM kv WHERE key = $1', [REWRITE_KEY]);
    return { tables: m.tables.length, rows: [...restored.values()].reduce((a, b) => a + b, 0), settings };
  });
}

/** JSON lines of one table → batched INSERTs (bounded by the drivers' parameter limits). */
function rowSink(
  t: Db,
  tm: Manifest['tables'][number],
  key: Buffer | undefined,
  counted: (n: number) => void,
): EntrySink {
  const cols = tm.columns;
  const perBatch = Math.max(1, Math.min(500, Math.floor(30_000 / Math.max(1, cols.length))));
  const head = `INSERT INTO ${quote(tm.name)} (${cols.map(quote).join(', ')}) VALUES `;
  const keyCol = tm.name === 'kv' ? cols.indexOf('key') : -1;
  const sqlFor = (n: number) =>
    head +
    Array.from(
      { length: n },
      (_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(', ')})`,
    ).join(', ');
  const fullBatch = sqlFor(perBatch);
  let batch: Param[] = [];
  let rowsInBatch = 0;
  const flush = async () => {
    if (rowsInBatch === 0) return;
    await t.query(rowsInBatch === perBatch ? fullBatch : sqlFor(rowsInBatch), batch);
    counted(rowsInBatch);
    batch = [];
    rowsInBatch = 0;
  };
  const line = async (text: string) => {
    if (!text) return;
    const rows = JSON.parse(text) as unknown[][];
    if (!Array.isArray(rows)) throw new Error(`a line of ${tm.name} is not a list of rows`);
    for (const cells of rows) {
      if (!Array.isArray(cells) || cells.length !== cols.length)
        throw new Error(`a row of ${tm.name} has the wrong shape`);
      // the rewrite switch belongs to the restore transaction, never to restored state
      if (keyCol >= 0 && cells[keyCol] === REWRITE_KEY) continue;
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i];
        batch.push(
          typeof c === 'string' || typeof c === 'number' || c === null
            ? c
            : decodeCell(c, tm.name, cols[i]!, key),
        );
      }
      if (++rowsInBatch >= perBatch) await flush();
    }
  };
  // split on the newline byte (never inside a UTF-8 sequence), scanning each chunk once
  let parts: Buffer[] = [];
  return {
    write: async (chunk) => {
      let from = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
        parts.push(chunk.subarray(from, nl));
        const text = Buffer.concat(parts).toString('utf8');
        parts = [];
        from = nl + 1;
        await line(text);
      }
      if (from < chunk.length) parts.push(chunk.subarray(from));
    },
    end: async () => {
      await line(Buffer.concat(parts).toString('utf8'));
      parts = [];
      await flush();
    },
  };
}
