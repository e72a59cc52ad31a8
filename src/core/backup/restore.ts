import { AppError } from '../errors.js';
import type { Db, Param } from '../sql/db.js';
import type { Manifest } from './manifest.js';
import { type MergedUsers, mergeUsers } from './merge-users.js';
import { policyOf } from './policy.js';
import type { EntrySink } from './read.js';
import { RowLoads } from './row-loads.js';
import { quote, stateTables, type TableInfo } from './schema-info.js';
import { columnKey, isSecret, secretInClear } from './secrets.js';
import { decodeCell } from './values.js';

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

/** How one table's archive rows are applied (from its policy and the live table). */
type Apply = 'insert' | 'insert-new' | 'collect' | 'skip';

export interface RestoreOutcome {
  tables: number;
  rows: number;
  settings: Map<string, Buffer>;
  /** Tables whose live rows were replaced by the archive's. */
  replaced: string[];
  /** Tables merged (security state, history), with what happened to them. */
  merged: { table: string; detail: string }[];
  users: MergedUsers;
}

const countOf = async (t: Db, table: string) =>
  Number((await t.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`))[0]?.n ?? 0);

/**
 * Apply the archive to `db` in ONE transaction: replaced tables lose their rows and get the
 * archive's; merged tables (policy.ts) keep the live rows and take from the archive only what
 * narrows access or fills an empty table. The archive is read a second time and each entry is
 * checked against the already-verified manifest before its rows count; any failure rolls
 * everything back.
 */
export async function restoreInto(
  db: Db,
  /** Delivers each entry's plaintext to the sink, in the manifest's order: a second read of the archive, or the rows of an image. */
  read: (sink: (name: string) => EntrySink | undefined) => Promise<void>,
  o: {
    id: string;
    /** The verified manifest, whose tables name the entries `read` delivers. */
    manifest: Manifest;
    /** The key of the ring the archive is sealed with (secret cells are sealed under it too). */
    encryptionKey: string;
    /** Import signing keys that exist only in the archive (their private keys). */
    importKeys?: boolean;
  },
): Promise<RestoreOutcome> {
  const m = o.manifest;
  const key = columnKey(o.encryptionKey, m.id);
  const settings = new Map<string, Buffer>();
  return db.tx(async (t) => {
    await t.lock('backup_restore');
    // appenders wait; the live chain stays and grows on after the restore
    await t.lock('audit_log');
    const target = await stateTables(t);
    if (t.dialect === 'sqlite') await t.exec('PRAGMA defer_foreign_keys = ON');
    const apply = new Map<string, Apply>();
    const merged: RestoreOutcome['merged'] = [];
    for (const ti of target) {
      const p = policyOf(ti.name);
      if (p === 'replace') apply.set(ti.name, 'insert');
      else if (p === 'users') apply.set(ti.name, 'collect');
      else if (p === 'keyring') {
        apply.set(ti.name, o.importKeys ? 'insert-new' : 'skip');
        merged.push({
          table: ti.name,
          detail: o.importKeys
            ? 'live keys kept as they are; keys only in the archive imported'
            : 'live keys kept as they are; keys only in the archive not imported (import_keys)',
        });
      } else if (p === 'live') {
        apply.set(ti.name, 'skip');
        merged.push({
          table: ti.name,
          detail: 'live rows kept (leases and heartbeats of running processes)',
        });
      } else {
        const empty = (await countOf(t, ti.name)) === 0;
        apply.set(ti.name, empty ? 'insert' : 'skip');
        merged.push({
          table: ti.name,
          detail: empty
            ? 'live table was empty: the archive rows were loaded'
            : 'live rows kept; the archive rows stay in the archive',
        });
      }
    }
    // children before parents
    for (const ti of [...target].reverse())
      if (policyOf(ti.name) === 'replace') await t.query(`DELETE FROM ${quote(ti.name)}`);

    const byEntry = new Map<string, Manifest['tables'][number]>();
    for (const tm of m.tables) for (const e of tm.entries) byEntry.set(e, tm);
    const seen = new Map<string, number>();
    const collected = new Map<string, Record<string, Param>[]>();
    let stopped: Error | undefined;
    const loads = t.copyIn ? new RowLoads(t.copyIn.bind(t)) : undefined;
    /** Before a statement of a sink: none after a failure, none while a bulk load is under way. */
    const ready = async () => {
      if (stopped) throw stopped;
      await loads?.end();
    };
    const sink = (name: string): EntrySink | undefined => {
      if (stopped) throw stopped;
      if (name.startsWith('settings/')) {
        const parts: Buffer[] = [];
        return {
          write: (c) => void parts.push(c),
          end: () => void settings.set(name.slice(9), Buffer.concat(parts)),
        };
      }
      const tm = byEntry.get(name);
      const how = tm && apply.get(tm.name);
      if (!tm || !how || how === 'skip') return undefined;
      const counted = (n: number) => seen.set(tm.name, (seen.get(tm.name) ?? 0) + n);
      if (how === 'collect') {
        const rows = collected.get(tm.name) ?? [];
        collected.set(tm.name, rows);
        return lineSink(tm, key, (cells) => {
          rows.push(Object.fromEntries(tm.columns.map((c, i) => [c, cells[i] ?? null])));
          counted(1);
        });
      }
      if (how === 'insert' && loads) return copySink(loads, tm, key, counted);
      return insertSink(t, tm, key, how === 'insert-new', counted, ready);
    };
    try {
      await read(sink);
      await loads?.end();
    } catch (e) {
      // the read may have failed (or been cancelled) while an entry is still being applied: no
      // statement may follow the rollback, so stop every sink, and the COPY under way first
      stopped = e as Error;
      await loads?.abort(stopped);
      throw e;
    }
    for (const tm of m.tables) {
      const how = apply.get(tm.name);
      if (how === 'skip') continue;
      const n = seen.get(tm.name) ?? 0;
      if (n !== tm.rows)
        throw new AppError(
          'invalid_input',
          `backup ${o.id}: table ${tm.name} holds ${n} rows, the manifest says ${tm.rows}; nothing was changed`,
        );
    }
    const users = await mergeUsers(t, collected.get('users') ?? []);
    if (apply.has('users'))
      merged.push({
        table: 'users',
        detail:
          `${users.tightened.length} live user(s) narrowed to the archive's lower role or disabled state, ` +
          `${users.added_disabled.length} archive-only user(s) added disabled, live users otherwise kept`,
      });
    const replaced = target.filter((ti) => policyOf(ti.name) === 'replace').map((ti) => ti.name);
    const rows = [...seen.values()].reduce((a, b) => a + b, 0);
    return { tables: m.tables.length, rows, settings, replaced, merged, users };
  });
}

/** JSON lines of one table → one call per row, cells decoded (bytes, sealed secrets). */
export function lineSink(
  tm: Manifest['tables'][number],
  key: Buffer | undefined,
  onRow: (cells: Param[]) => Promise<void> | void,
  /** Only check the rows' shape and that secrets are sealed (the verify pass): nothing is opened. */
  checkOnly = false,
  /** The backup's id, for the refusal's message. */
  id?: string,
): EntrySink {
  const cols = tm.columns;
  const secret = cols.map((c) => isSecret(tm.name, c));
  const line = async (text: string) => {
    if (!text) return;
    const rows = JSON.parse(text) as unknown[][];
    if (!Array.isArray(rows)) throw new Error(`a line of ${tm.name} is not a list of rows`);
    for (const cells of rows) {
      if (!Array.isArray(cells) || cells.length !== cols.length)
        throw new Error(`a row of ${tm.name} has the wrong shape`);
      const out: Param[] = new Array(cells.length);
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i];
        // secret material is sealed cell by cell: in clear it was never written by a backup
        if (
          secret[i] &&
          c !== null &&
          (typeof c !== 'object' || typeof (c as { e?: unknown }).e !== 'string')
        )
          throw secretInClear(`${tm.name}.${cols[i]}`, id);
        out[i] =
          typeof c === 'string' || typeof c === 'number' || c === null || checkOnly
            ? (c as Param)
            : decodeCell(c, tm.name, cols[i]!, key);
      }
      await onRow(out);
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
    },
  };
}

/** Rows → the store's bulk load of their table (row-loads.ts), in batches. */
function copySink(
  loads: RowLoads,
  tm: Manifest['tables'][number],
  key: Buffer | undefined,
  counted: (n: number) => void,
): EntrySink {
  let batch: Param[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await loads.write(tm.name, tm.columns, rows);
    counted(rows.length);
  };
  const lines = lineSink(tm, key, async (cells) => {
    batch.push(cells);
    if (batch.length >= COPY_BATCH) await flush();
  });
  return {
    write: (chunk) => lines.write(chunk),
    end: async () => {
      await lines.end();
      await flush();
    },
  };
}

/** Rows handed to the bulk load at once (a JSON line of a dump holds up to 2000). */
const COPY_BATCH = 1000;

/**
 * Rows → batched INSERTs (bounded by the drivers' parameter limits); `onlyNew` skips rows whose
 * key exists. Used where the store has no bulk load, and for the keyring's few rows (a COPY into
 * a temporary table and INSERT … SELECT … ON CONFLICT DO NOTHING would add DDL to the restore's
 * transaction for a handful of keys). `ready` runs before each statement.
 */
function insertSink(
  t: Db,
  tm: Manifest['tables'][number],
  key: Buffer | undefined,
  onlyNew: boolean,
  counted: (n: number) => void,
  ready: () => Promise<void>,
): EntrySink {
  const cols = tm.columns;
  const perBatch = Math.max(1, Math.min(500, Math.floor(30_000 / Math.max(1, cols.length))));
  const head = `INSERT INTO ${quote(tm.name)} (${cols.map(quote).join(', ')}) VALUES `;
  const tail = onlyNew ? ' ON CONFLICT DO NOTHING' : '';
  const sqlFor = (n: number) =>
    head +
    Array.from(
      { length: n },
      (_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(', ')})`,
    ).join(', ') +
    tail;
  const fullBatch = sqlFor(perBatch);
  let batch: Param[] = [];
  let rowsInBatch = 0;
  const flush = async () => {
    if (rowsInBatch === 0) return;
    await ready();
    await t.query(rowsInBatch === perBatch ? fullBatch : sqlFor(rowsInBatch), batch);
    counted(rowsInBatch);
    batch = [];
    rowsInBatch = 0;
  };
  const lines = lineSink(tm, key, async (cells) => {
    for (const c of cells) batch.push(c);
    if (++rowsInBatch >= perBatch) await flush();
  });
  return {
    write: (chunk) => lines.write(chunk),
    end: async () => {
      await lines.end();
      await flush();
    },
  };
}
