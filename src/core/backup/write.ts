import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { AppError } from '../errors.js';
import type { Db, Param } from '../sql/db.js';
import {
  type BackupType,
  FORMAT,
  FORMAT_VERSION,
  keyId,
  MANIFEST,
  type Manifest,
  SIGNATURE,
  sign,
} from './manifest.js';
import { quote, stateTables, type TableInfo } from './schema-info.js';
import { columnKey, SECRET_COLUMNS } from './secrets.js';
import { rowEncoder } from './values.js';

export interface WriteOptions {
  db: Db;
  id: string;
  type: BackupType;
  host: string;
  installation: string;
  version: string;
  schemaVersion: number;
  signingKey: string;
  encryptionKey: string;
  /** Settings files, secrets already removed. */
  settings: { name: string; content: Buffer }[];
  progress?: (rowsDone: number, rowsTotal: number) => void;
  /** Largest dump entry (a table is split into several): bounds memory. */
  chunkBytes?: number;
}

const PAGE = 2000;
const LINE_BYTES = 1 << 20;

/**
 * The archive as a gzip stream, produced while it is consumed: each table is read page by page
 * inside one read transaction (a consistent snapshot) and written as JSON lines (one line per page:
 * an array of rows, each an array of cells in the manifest's column order) in entries of at most
 * chunkBytes, so memory stays flat whatever the store's size. manifest.json and its HMAC come last.
 */
export function archiveStream(o: WriteOptions): { stream: Readable; manifest: Promise<Manifest> } {
  const pack = tar.pack();
  const gz = createGzip({ level: constants.Z_DEFAULT_COMPRESSION, chunkSize: 1 << 16 });
  pack.on('error', (e) => gz.destroy(e));
  pack.pipe(gz);
  let finished = false;
  // if the consumer goes away (upload failed, disk full), stop the producer: its pending entry
  // fails, the dump's transaction ends, and nothing waits forever on a drain that never comes
  gz.on('close', () => {
    if (!finished) pack.destroy(new Error('the archive stream closed before the archive was complete'));
  });
  const entries: Manifest['entries'] = [];
  const mtime = new Date();
  const put = (name: string, buf: Buffer, record = true) =>
    new Promise<void>((resolve, reject) => {
      if (record)
        entries.push({ name, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
      pack.entry({ name, size: buf.length, mode: 0o600, mtime, type: 'file' }, buf, (err) =>
        err ? reject(err) : resolve(),
      );
    });

  const manifest = (async (): Promise<Manifest> => {
    const tables: Manifest['tables'] = [];
    let encryption: Manifest['encryption'] = null;
    // a snapshot without the write lock where the store has one (the embedded store), else a
    // read-only REPEATABLE READ transaction (PostgreSQL): writers go on during the dump
    const snapshot = o.db.snapshot ? o.db.snapshot.bind(o.db) : o.db.tx.bind(o.db);
    await snapshot(async (t) => {
      if (t.dialect === 'postgres')
        await t.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const infos = await stateTables(t);
      const counts = new Map<string, number>();
      for (const ti of infos)
        counts.set(
          ti.name,
          Number((await t.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(ti.name)}`))[0]?.n ?? 0),
        );
      const secrets = await secretsPresent(t, infos);
      let key: Buffer | undefined;
      if (secrets.length > 0) {
        if (o.encryptionKey.length < 32) {
          throw new AppError(
            'invalid_input',
            `the store holds secret columns (${secrets.join(', ')}) and no backup encryption key is set: ` +
              'set backup.encryption_key (at least 32 characters), e.g. MAHAVISHNU_BACKUP__ENCRYPTION_KEY=$(openssl rand -hex 32)',
          );
        }
        key = columnKey(o.encryptionKey, o.id);
        encryption = {
          algorithm: 'aes-256-gcm',
          key_id: keyId(o.encryptionKey),
          columns: [...SECRET_COLUMNS],
        };
      }
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      let done = 0;
      for (const ti of infos) {
        const names: string[] = [];
        let lines: string[] = [];
        let bytes = 0;
        const flush = async () => {
          if (lines.length === 0) return;
          const name = `tables/${ti.name}/${String(names.length).padStart(6, '0')}.jsonl`;
          names.push(name);
          await put(name, Buffer.from(lines.join('')));
          lines = [];
          bytes = 0;
        };
        let rows = 0;
        const size = { limit: PAGE };
        const encode = rowEncoder(ti.name, ti.columns, key);
        for await (const page of pages(t, ti, size)) {
          // one JSON.stringify per page is several times faster than one per row
          const line = `${JSON.stringify(page.map(encode))}\n`;
          lines.push(line);
          bytes += line.length;
          // pages of big rows get fewer rows, so a line stays near LINE_BYTES whatever the row size
          size.limit = Math.max(1, Math.min(PAGE, Math.floor((page.length * LINE_BYTES) / line.length)));
          if (bytes >= (o.chunkBytes ?? 4 << 20)) await flush();
          rows += page.length;
          done += page.length;
          o.progress?.(done, total);
        }
        await flush();
        tables.push({ name: ti.name, columns: ti.columns, rows, entries: names });
      }
    });
    for (const s of o.settings) await put(`settings/${s.name}`, s.content);
    const m: Manifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      id: o.id,
      type: o.type,
      created: new Date().toISOString(),
      host: o.host,
      installation: o.installation,
      mahavishnu_version: o.version,
      schema_version: o.schemaVersion,
      source_dialect: o.db.dialect,
      signing_key_id: keyId(o.signingKey),
      encryption,
      tables,
      settings: o.settings.map((s) => `settings/${s.name}`),
      entries: [...entries],
    };
    const body = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
    await put(MANIFEST, body, false);
    await put(SIGNATURE, Buffer.from(`${sign(o.signingKey, body)}\n`), false);
    finished = true;
    pack.finalize();
    return m;
  })();
  manifest.catch((e) => {
    pack.destroy(e);
    gz.destroy(e);
  });
  return { stream: gz, manifest };
}

/** Secret columns that exist in this store and hold at least one value. */
async function secretsPresent(t: Db, infos: TableInfo[]): Promise<string[]> {
  const out: string[] = [];
  for (const full of SECRET_COLUMNS) {
    const [table, column] = full.split('.') as [string, string];
    if (!infos.find((i) => i.name === table)?.columns.includes(column)) continue;
    const n = await t.query(`SELECT 1 FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL LIMIT 1`);
    if (n.length > 0) out.push(full);
  }
  return out;
}

/** Rows in key order, a page at a time (keyset pagination; OFFSET only for tables without a key). */
async function* pages(
  t: Db,
  ti: TableInfo,
  size: { limit: number },
): AsyncGenerator<Record<string, unknown>[]> {
  const cols = ti.columns.map(quote).join(', ');
  const key = ti.key.length ? ti.key : ti.columns;
  const order = key.map(quote).join(', ');
  let last: Record<string, unknown> | undefined;
  let offset = 0;
  for (;;) {
    // read before the query: the consumer may change size.limit while this page is out
    const limit = size.limit;
    let rows: Record<string, unknown>[];
    if (ti.key.length === 0) {
      rows = await t.query(
        `SELECT ${cols} FROM ${quote(ti.name)} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
      );
      offset += rows.length;
    } else if (!last) {
      rows = await t.query(`SELECT ${cols} FROM ${quote(ti.name)} ORDER BY ${order} LIMIT ${limit}`);
    } else {
      const ph = key.map((_, i) => `$${i + 1}`).join(', ');
      const cmp = key.length === 1 ? `${order} > ${ph}` : `(${order}) > (${ph})`;
      rows = await t.query(
        `SELECT ${cols} FROM ${quote(ti.name)} WHERE ${cmp} ORDER BY ${order} LIMIT ${limit}`,
        key.map((k) => last![k] as Param),
      );
    }
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < limit) return;
    last = rows.at(-1);
  }
}
