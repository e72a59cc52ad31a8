import { existsSync } from 'node:fs';
import { chmod, open, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db, DbFile } from '../../core/sql/db.js';

/**
 * The work on whole database files, each on a connection of its own in a worker thread, so the
 * event loop goes on answering (a copy of 200 MB is half a second of synchronous work).
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
  if (w.op === 'snapshot') {
    // the backup API in steps of 4 MiB, all inside one read transaction of this connection: a
    // consistent snapshot that writers going on (WAL) never restart, and a cancel (terminate)
    // lands between two steps
    const db = new Database(w.from, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    try {
      db.exec('BEGIN');
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      await db.backup(w.to, { progress: () => 1024 });
    } finally { db.close(); }
    return counts(w.to);
  }
  if (w.op === 'vacuum') {
    // one statement, one read transaction: a consistent copy while writers go on (WAL)
    const db = new Database(w.from, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    try { db.prepare('VACUUM INTO ?').run(w.to); } finally { db.close(); }
    return {};
  }
  if (w.op === 'count') return counts(w.from);
  if (w.op === 'copy') {
    // the backup API: every page of from, into to, in one write transaction of to (a first step
    // of 100 pages, then the rest at once), which every connection to it sees
    const db = new Database(w.from, { readonly: true, fileMustExist: true });
    try { await db.backup(w.to, { progress: () => 1 << 30 }); } finally { db.close(); }
    return {};
  }
  throw new Error('unknown op ' + w.op);
})().then((r) => parentPort.postMessage({ ok: r }), (e) => parentPort.postMessage({ err: String(e && e.message || e) }));
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Run one op in a worker. A cancel terminates the thread (between two steps of a snapshot, so at
 * once) and removes the snapshot it was writing.
 */
function inWorker(
  op: 'snapshot' | 'vacuum' | 'count' | 'copy',
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<Record<string, number>> {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { op, from, to, driver } });
    const stop = () => {
      void w
        .terminate()
        .then(() => (op === 'snapshot' ? rm(to, { force: true }) : undefined))
        .finally(() => reject(signal?.reason));
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
    return inWorker('snapshot', this.path, dest, signal);
  }

  count(path: string, signal?: AbortSignal): Promise<Record<string, number>> {
    return inWorker('count', path, path, signal);
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
        // the safety copy (synced: VACUUM INTO's output is) before the live content is replaced
        await inWorker('vacuum', this.path, keep);
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
