import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Db, DbFile, Param } from '../../core/sql/db.js';
import { storeError } from './errors.js';
import { SqliteFile } from './sqlite-file.js';

/**
 * $1, $2 … → ?, ? … with the values reordered to match, so both stores take the same SQL
 * (a placeholder may appear more than once).
 */
function toSqlite(sql: string): { text: string; order: number[] } {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { text, order };
}

/**
 * The embedded store: one SQLite file (WAL). better-sqlite3 is synchronous, so a transaction that
 * awaits inside holds a process-wide queue; every other statement waits for it to commit, so no
 * statement from elsewhere can slip into (and be rolled back with) someone else's transaction.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  private db: Database.Database;
  /** The database file (physical backups and restores); absent in memory. */
  readonly file?: DbFile;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stmts = new Map<string, { stmt: Database.Statement; order: number[] }>();
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = this.connect();
    this.location = `sqlite:${path}`;
    if (path !== ':memory:')
      this.file = new SqliteFile(path, {
        open: (p) => new SqliteDb(p),
        closedWhile: (fn) => this.closedWhile(fn),
      });
  }

  private connect(): Database.Database {
    const fresh = this.path === ':memory:' || !existsSync(this.path);
    const db = new Database(this.path);
    // A new file is switched to WAL in rollback mode, which fsyncs four times at the default
    // synchronous=FULL (~4 ms of a cold start); a file that did not exist has nothing to lose on a
    // power cut, so it switches without them. An existing file keeps full durability for the switch.
    if (fresh) db.pragma('synchronous = OFF');
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    return db;
  }

  /** fn runs with this process's connection closed and no statement of it running (sqlite-file.ts); then it reopens. */
  private closedWhile<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.close();
      this.stmts.clear();
      try {
        return await fn();
      } finally {
        this.db = this.connect();
      }
    });
  }

  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private stmt(sql: string): { stmt: Database.Statement; order: number[] } {
    let s = this.stmts.get(sql);
    if (!s) {
      const { text, order } = toSqlite(sql);
      s = { stmt: this.db.prepare(text), order };
      if (this.stmts.size > 500) this.stmts.clear();
      this.stmts.set(sql, s);
    }
    return s;
  }

  private run<T>(sql: string, params: readonly Param[]): T[] {
    try {
      const { stmt, order } = this.stmt(sql);
      const args = order.map((i) => {
        const p = params[i];
        return typeof p === 'bigint' ? Number(p) : p;
      });
      if (stmt.reader) return stmt.all(...args) as T[];
      stmt.run(...args);
      return [];
    } catch (e) {
      throw storeError(e, this.location);
    }
  }

  query<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return this.exclusive(() => this.run<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.exclusive(() => {
      this.db.exec(sql);
    });
  }

  tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      const inner = new SqliteTx(this.db, (sql, params) => this.run(sql, params), this.location);
      try {
        const out = await fn(inner);
        this.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      } finally {
        inner.closed = true;
      }
    });
  }

  /**
   * A read transaction on a connection of its own: in WAL mode it sees the database as of its
   * first read and takes no write lock, so the process's writers (and other processes) go on.
   * Its statements bypass the queue: they never share a transaction with anyone.
   */
  async snapshot<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (this.path === ':memory:') return this.tx(fn);
    const reader = new Database(this.path, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 5000');
    const stmts = new Map<string, { stmt: Database.Statement; order: number[] }>();
    const run = (sql: string, params: readonly Param[]) => {
      try {
        let s = stmts.get(sql);
        if (!s) {
          const { text, order } = toSqlite(sql);
          s = { stmt: reader.prepare(text), order };
          stmts.set(sql, s);
        }
        const args = s.order.map((i) => {
          const p = params[i];
          return typeof p === 'bigint' ? Number(p) : p;
        });
        if (!s.stmt.reader) throw new Error('a snapshot is read-only');
        return s.stmt.all(...args);
      } catch (e) {
        throw storeError(e, this.location);
      }
    };
    const inner = new SqliteTx(reader, run, this.location);
    try {
      reader.exec('BEGIN');
      // the snapshot starts at the first read, so take it now
      reader.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      return await fn(inner);
    } finally {
      inner.closed = true;
      if (reader.inTransaction) reader.exec('ROLLBACK');
      reader.close();
    }
  }

  async lock(): Promise<void> {
    // One writer at a time is SQLite's own rule; BEGIN IMMEDIATE already holds the write lock.
  }

  ping(): Promise<number> {
    return this.exclusive(() => {
      const t = performance.now();
      this.db.prepare('SELECT 1').get();
      return performance.now() - t;
    });
  }

  async close(): Promise<void> {
    await this.exclusive(() => this.db.close());
  }
}

/** The handle given to a transaction's callback: runs directly, without queueing behind itself. */
class SqliteTx implements Db {
  readonly dialect = 'sqlite' as const;
  closed = false;
  constructor(
    private readonly db: Database.Database,
    private readonly runner: (sql: string, params: readonly Param[]) => unknown[],
    readonly location: string,
  ) {}
  private check() {
    if (this.closed) throw new Error('transaction handle used after the transaction ended');
  }
  async query<T>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    this.check();
    return this.runner(sql, params) as T[];
  }
  async exec(sql: string): Promise<void> {
    this.check();
    this.db.exec(sql);
  }
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async lock(): Promise<void> {}
  async ping(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
