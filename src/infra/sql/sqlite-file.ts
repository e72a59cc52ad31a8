import { existsSync } from 'node:fs';
import { chmod, open, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db, DbFile } from '../../core/sql/db.js';

/**
 * The work on whole database files, each on a connection of its own in a worker thread, so the
 * event loop goes on answering (a VACUUM INTO of 200 MB is half a second of synchronous work).
 * The worker is evaluated from this string rather than loaded from a file: the CLI is bundled.
 */
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const Database = require(w.driver);
const counts = (path) => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const out = {};
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all();
    for (const n of names) out[n] = db.prepare('SELECT COUNT(*) FROM "' + n.replace(/"/g, '""') + '"').pluck().get();
    return out;
  } finally { db.close(); }
};
(async () => {
  if (w.op === 'vacuum') {
    // one statement, one read transaction: a consistent snapshot while writers go on (WAL)
    const db = new Database(w.from, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // a snapshot that only feeds an archive need not reach the disk: a crash discards it anyway
    if (!w.durable) db.pragma('synchronous = OFF');
    try { db.prepare('VACUUM INTO ?').run(w.to); } finally { db.close(); }
    return counts(w.to);
  }
  if (w.op === 'count') return counts(w.from);
  if (w.op === 'copy') {
    // the backup API in one step: every page of from, into to, under to's write lock
    const db = new Database(w.from, { readonly: true, fileMustExist: true });
    try { await db.backup(w.to, { progress: () => 1 << 30 }); } finally { db.close(); }
    return {};
  }
  throw new Error('unknown op ' + w.op);
})().then((r) => parentPort.postMessage({ ok: r }), (e) => parentPort.postMessage({ err: String(e && e.message || e) }));
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** Run one op in a worker; a cancel ends the call at once (the thread is terminated, `dest` removed). */
function inWorker(
  op: 'vacuum' | 'count' | 'copy',
  from: string,
  to: string,
  o: { signal?: AbortSignal; durable?: boolean } = {},
): Promise<Record<string, number>> {
  const signal = o.signal;
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, {
      eval: true,
      workerData: { op, from, to, driver, durable: o.durable ?? false },
    });
    const stop = () => {
      reject(signal?.reason);
      // a statement in native code ends before the thread does: remove what it wrote after
      void w.terminate().finally(() => (op === 'vacuum' ? rm(to, { force: true }) : undefined));
    };
    signal?.addEventListener('abort', stop, { once: true });
    w.once('message', (m: { ok?: Record<string, number>; err?: string }) => {
      signal?.removeEventListener('abort', stop);
      void w.terminate();
      if (m.err !== undefined) reject(new Error(m.err));
      else resolve(m.ok ?? {});
    });
    w.once('error', (e) => {
      signal?.removeEventListener('abort', stop);
      reject(e);
    });
  });
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export interface SqliteFileHost {
  /** A store on another file. */
  open(path: string): Db;
  /** Run fn while no statement of this process runs and its connection is closed (checkpointed); reopen after. */
  closedWhile<T>(fn: () => Promise<T>): Promise<T>;
}

export class SqliteFile implements DbFile {
  constructor(
    readonly path: string,
    private readonly host: SqliteFileHost,
  ) {}

  snapshot(dest: string, signal?: AbortSignal): Promise<Record<string, number>> {
    return inWorker('vacuum', this.path, dest, signal ? { signal } : {});
  }

  count(path: string, signal?: AbortSignal): Promise<Record<string, number>> {
    return inWorker('count', path, path, signal ? { signal } : {});
  }

  open(path: string): Db {
    return this.host.open(path);
  }

  async replace(fresh: string, keep: string, prepare: () => Promise<void>): Promise<'renamed' | 'copied'> {
    const mode = (await stat(this.path)).mode & 0o777;
    await chmod(fresh, mode);
    let how: 'renamed' | 'copied' = 'renamed';
    await this.host.closedWhile(async () => {
      await prepare();
      // the last connection to close checkpoints and removes the WAL: one left means another
      // process has the file open, and a rename would leave it on the old file (sharing the
      // -wal and -shm of the new one): copy instead, which every connection sees
      if (existsSync(`${this.path}-wal`)) {
        how = 'copied';
        // the safety copy must be on the disk before the live content is replaced
        await inWorker('vacuum', this.path, keep, { durable: true });
        await fsyncDir(dirname(keep));
        await inWorker('copy', fresh, this.path);
        await rm(fresh, { force: true });
        return;
      }
      await rename(this.path, keep);
      try {
        await rename(fresh, this.path);
      } catch (e) {
        await rename(keep, this.path);
        throw e;
      }
      await fsyncDir(dirname(this.path));
    });
    return how;
  }
}
