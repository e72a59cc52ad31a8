import { createHash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { AppError } from '../errors.js';
import type { Db, Dialect } from '../sql/db.js';
import { encryptEntry, entryKey, sealEntry } from './entry-crypto.js';
import { MIN_BACKUP_KEY } from './keyring.js';
import {
  type BackupType,
  FORMAT,
  IMAGE_FORMAT,
  keyId,
  MANIFEST,
  type Manifest,
  ROWS_FORMAT,
  SIGNATURE,
  sign,
} from './manifest.js';
import { pages } from './pages.js';
import { quote, stateTables } from './schema-info.js';
import { columnKey, SECRET_COLUMNS } from './secrets.js';
import { rowEncoder } from './values.js';

export interface WriteOptions {
  id: string;
  type: BackupType;
  host: string;
  installation: string;
  version: string;
  schemaVersion: number;
  sourceDialect: Dialect;
  signingKey: string;
  encryptionKey: string;
  /** Settings files, secrets already removed. */
  settings: { name: string; content: Buffer }[];
  /** Folder for the spool file the sealed entries wait in until the manifest is signed. */
  spoolDir: string;
  /** The state's entries, through `put` (rows: rowsContent) or `putDeflated` (the database file: image-write.ts). */
  content: (
    put: PutEntry,
    signal: AbortSignal,
    putDeflated: PutDeflated,
  ) => Promise<Pick<Manifest, 'tables' | 'image'>>;
  /** Entries sealing at once. */
  inFlight?: number;
  signal?: AbortSignal;
}

/** Seal one entry (deflate at `level`, then AES-256-GCM) into the spool; waits when too many are ahead. */
export type PutEntry = (name: string, plain: Buffer, level?: number) => Promise<void>;
/** Seal one entry deflated elsewhere (`plainSize` bytes before), as PutEntry does. */
export type PutDeflated = (name: string, packed: Promise<Buffer>, plainSize: number) => Promise<void>;

const LINE_BYTES = 1 << 20;
/**
 * Entries sealing at once (deflate runs on the zlib thread pool). One core is left to the event
 * loop, so requests and probes keep answering during a backup.
 */
const IN_FLIGHT = Math.max(1, Math.min(4, availableParallelism() - 1));

/**
 * The archive as a .tar.gz stream. The signed manifest must come first (a reader checks it
 * before reading anything else), and it lists every entry's digest, so the dump runs first:
 * each table is read page by page from one consistent snapshot, as JSON lines (one line per
 * page: an array of rows, each an array of cells in the manifest's column order), in entries of
 * at most chunkBytes; each entry is compressed and sealed (several at once) into a spool file.
 * Then manifest.json, manifest.sig and the sealed entries are packed. The outer gzip does not
 * compress (sealed bytes do not compress); it keeps the archive a .tar.gz that `tar tzf` lists.
 */
export function archiveStream(o: WriteOptions): { stream: Readable; manifest: Promise<Manifest> } {
  const out = new PassThrough();
  let finished = false;
  // if the consumer goes away (upload failed, disk full), the dump and the packing stop
  const closed = new AbortController();
  out.on('close', () => {
    if (!finished) closed.abort(new Error('the archive stream closed before the archive was complete'));
  });
  const signal = o.signal ? AbortSignal.any([o.signal, closed.signal]) : closed.signal;
  o = { ...o, signal };
  const manifest = (async (): Promise<Manifest> => {
    if (o.encryptionKey.length < MIN_BACKUP_KEY)
      throw new AppError(
        'invalid_input',
        `no backup encryption key is set (backup.encryption_key, at least ${MIN_BACKUP_KEY} characters): every ` +
          'archive is encrypted. Set it outside the store, e.g. MAHAVISHNU_BACKUP__ENCRYPTION_KEY=$(openssl rand -hex 32), ' +
          'and keep a copy with your recovery documents.',
      );
    await mkdir(o.spoolDir, { recursive: true });
    const spoolPath = join(o.spoolDir, `.${o.id}.spool-${process.pid}`);
    const spool = await open(spoolPath, 'w+', 0o600);
    let chain: Promise<void> = Promise.resolve();
    try {
      const key = entryKey(o.encryptionKey, o.id);
      const entries: (Manifest['entries'][number] & { offset: number })[] = [];
      let offset = 0;
      const written: Promise<void>[] = [];
      const inFlight = o.inFlight ?? IN_FLIGHT;
      const put: PutEntry = (name, plain, level) =>
        enqueue(name, sealEntry(key, o.id, name, plain, level), plain.length);
      const putDeflated: PutDeflated = (name, packed, plainSize) =>
        enqueue(
          name,
          packed.then((p) => encryptEntry(key, o.id, name, p)),
          plainSize,
        );
      const enqueue = async (name: string, sealed: Promise<Buffer>, plainSize: number) => {
        sealed.catch(() => {}); // surfaces through the chain
        signal.throwIfAborted();
        chain = chain.then(async () => {
          const buf = await sealed;
          await spool.write(buf, 0, buf.length, offset);
          entries.push({
            name,
            size: buf.length,
            sha256: createHash('sha256').update(buf).digest('hex'),
            plain_size: plainSize,
            offset,
          });
          offset += buf.length;
        });
        chain.catch(() => {}); // surfaces where it is awaited
        written.push(chain);
        // several entries seal at once; the dump waits when too many are ahead of the spool
        if (written.length > inFlight) await written[written.length - 1 - inFlight];
      };
      const { tables, image } = await o.content(put, signal, putDeflated);
      for (const s of o.settings) await put(`settings/${s.name}`, s.content);
      await chain;
      const m: Manifest = {
        format: FORMAT,
        format_version: image ? IMAGE_FORMAT : ROWS_FORMAT,
        id: o.id,
        type: o.type,
        created: new Date().toISOString(),
        host: o.host,
        installation: o.installation,
        mahavishnu_version: o.version,
        schema_version: o.schemaVersion,
        source_dialect: o.sourceDialect,
        signing_key_id: keyId(o.signingKey),
        encryption: {
          algorithm: 'aes-256-gcm',
          compression: 'deflate-raw',
          key_id: keyId(o.encryptionKey),
          columns: [...SECRET_COLUMNS],
        },
        tables,
        settings: o.settings.map((s) => `settings/${s.name}`),
        ...(image ? { image } : {}),
        entries: entries.map(({ offset: _, ...e }) => e),
      };
      await pack(out, m, o, spool, entries, signal);
      finished = true;
      return m;
    } finally {
      // writes still queued (a cancel, a failure) end before the spool closes under them
      await chain.catch(() => {});
      await spool.close().catch(() => {});
      await rm(spoolPath, { force: true }).catch(() => {});
    }
  })();
  manifest.catch((e) => out.destroy(e));
  return { stream: out, manifest };
}

/** The state as rows: every state table, page by page from one snapshot, into sealed entries. */
export const rowsContent =
  (db: Db, o: { id: string; encryptionKey: string; progress?: (done: number, total: number) => void }) =>
  async (put: PutEntry, signal: AbortSignal): Promise<Pick<Manifest, 'tables'>> => ({
    tables: await dump(db, { ...o, signal }, put),
  });

async function dump(
  db: Db,
  o: {
    id: string;
    encryptionKey: string;
    progress?: (done: number, total: number) => void;
    signal: AbortSignal;
    chunkBytes?: number;
  },
  put: PutEntry,
): Promise<Manifest['tables']> {
  const tables: Manifest['tables'] = [];
  // a snapshot without the write lock where the store has one (the embedded store), else a
  // read-only REPEATABLE READ transaction (PostgreSQL): writers go on during the dump
  const snapshot = db.snapshot ? db.snapshot.bind(db) : db.tx.bind(db);
  await snapshot(async (t) => {
    if (t.dialect === 'postgres') await t.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const infos = await stateTables(t);
    // row counts only feed progress: on SQLite a COUNT(*) is one synchronous scan that would stall
    // the event loop for the whole table, so the largest rowid stands in (O(log n))
    const countSql = (name: string) =>
      t.dialect === 'sqlite'
        ? `SELECT COALESCE(MAX(_rowid_), 0) AS n FROM ${quote(name)}`
        : `SELECT COUNT(*) AS n FROM ${quote(name)}`;
    const counts = new Map<string, number>();
    for (const ti of infos) {
      const n = await t.query<{ n: number }>(countSql(ti.name)).catch(() => [{ n: 0 }]);
      counts.set(ti.name, Number(n[0]?.n ?? 0));
    }
    // secret columns are sealed once more, cell by cell: a restore refuses them in clear
    const cells = columnKey(o.encryptionKey, o.id);
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
      // a small first page: rows may be big, and a page is read in one synchronous step
      const size = { limit: 100 };
      const encode = rowEncoder(ti.name, ti.columns, cells);
      for await (const page of pages(t, ti, size)) {
        o.signal?.throwIfAborted();
        // one JSON.stringify per page is several times faster than one per row
        const line = `${JSON.stringify(page.map(encode))}\n`;
        lines.push(line);
        bytes += line.length;
        // pages of big rows get fewer rows, so a line stays near LINE_BYTES whatever the row size
        size.limit = Math.max(1, Math.min(2000, Math.floor((page.length * LINE_BYTES) / line.length)));
        if (bytes >= (o.chunkBytes ?? 1 << 20)) await flush();
        rows += page.length;
        done += page.length;
        o.progress?.(done, Math.max(done, total));
      }
      await flush();
      tables.push({ name: ti.name, columns: ti.columns, rows, entries: names });
    }
  });
  return tables;
}

/** manifest.json, manifest.sig, then the sealed entries from the spool, through tar and gzip into out. */
export async function pack(
  out: PassThrough,
  m: Manifest,
  o: { signingKey: string },
  spool: import('node:fs/promises').FileHandle,
  entries: { name: string; size: number; offset: number }[],
  signal: AbortSignal,
): Promise<void> {
  const p = tar.pack();
  // the entries are sealed (incompressible): gzip only frames them, at the speed of a copy
  const gz = createGzip({ level: constants.Z_NO_COMPRESSION, chunkSize: 1 << 20 });
  p.on('error', (e) => gz.destroy(e));
  gz.on('error', (e) => out.destroy(e));
  p.pipe(gz).pipe(out);
  const stopped = new Promise<never>((_, reject) => {
    const stop = () => {
      p.destroy(signal.reason as Error);
      reject(signal.reason);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  stopped.catch(() => {});
  const mtime = new Date();
  const put = (name: string, buf: Buffer) =>
    new Promise<void>((resolve, reject) => {
      stopped.catch(reject);
      p.entry({ name, size: buf.length, mode: 0o600, mtime, type: 'file' }, buf, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  const body = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
  await put(MANIFEST, body);
  await put(SIGNATURE, Buffer.from(`${sign(o.signingKey, body)}\n`));
  for (const e of entries) {
    signal.throwIfAborted();
    const buf = Buffer.allocUnsafe(e.size);
    await spool.read(buf, 0, e.size, e.offset);
    await put(e.name, buf);
  }
  p.finalize();
  await Promise.race([
    stopped,
    new Promise<void>((resolve, reject) => {
      gz.on('error', reject);
      gz.on('finish', resolve);
    }),
  ]);
}
