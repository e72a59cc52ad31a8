/**
 * The storage port: a small SQL interface both stores implement. Domain code writes SQL once, in
 * the subset SQLite and PostgreSQL share, with $1, $2 … placeholders; booleans are stored as
 * 0/1 integers and times as epoch milliseconds (BIGINT), so rows read the same from either store.
 */
export type Dialect = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;
export type Param = string | number | bigint | null | Uint8Array;

export interface Db {
  readonly dialect: Dialect;
  /** A human description of where the data lives, without credentials. */
  readonly location: string;
  query<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Run fn in one transaction; inside it, use the Db it is given. */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Run fn over a consistent read-only snapshot that does not hold the write lock, so writers go
   * on meanwhile (the embedded store: a read transaction on a separate connection, WAL mode).
   * Absent: use tx (PostgreSQL's transactions never block writers).
   */
  snapshot?<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Bulk-load rows into `table` (PostgreSQL: COPY … FROM STDIN), many times faster than INSERTs;
   * on the Db a tx gives, the rows are part of that transaction. Until the loader's end or abort
   * settles, nothing else may run on this Db. Absent (the embedded store): INSERT the rows.
   */
  copyIn?(table: string, columns: readonly string[]): RowLoader;
  /** Inside a transaction: hold a named lock until it ends (serializes writers across processes). */
  lock(name: string): Promise<void>;
  /** Round-trip a trivial query; resolves with the latency in ms or rejects with `unavailable`. */
  ping(): Promise<number>;
  /** Close the connections; calls still running after graceSeconds are cut off. */
  close(graceSeconds?: number): Promise<void>;
  /** Drop the connections and open new ones, in place (ecosystem restart-database). */
  reconnect?(): Promise<void>;
  /**
   * Epoch ms of the newest call that failed with `unavailable`, while none has succeeded since;
   * undefined while the store answers. Lets readers that hold a stale copy (the principal cache,
   * the signing keys) use it at once instead of each waiting out the connect timeout again.
   */
  lastFailure?(): number | undefined;
  /** The embedded store only: the database as one file, for physical backups and restores. */
  readonly file?: DbFile;
}

/** A bulk load under way (Db.copyIn); a failure rejects every call after it. */
export interface RowLoader {
  /** Rows of cells in the load's column order, as query takes params; resolves when the store can take more. */
  write(rows: readonly (readonly Param[])[]): Promise<void>;
  /** No more rows: resolves once the store holds them all, or rejects with why it refused them. */
  end(): Promise<void>;
  /** Give up: none of the rows are loaded (the transaction must roll back); resolves once the Db takes statements again. */
  abort(reason: Error): Promise<void>;
}

/** The database file of the embedded store (see src/infra/sql/sqlite-file.ts). */
export interface DbFile {
  readonly path: string;
  /**
   * A consistent copy of the database at `dest` (the backup API inside one read transaction of a
   * connection of its own, in a worker thread: no write lock, the event loop stays free), with the
   * rows of each table. A cancel stops it at once and removes `dest`.
   */
  snapshot(dest: string, signal?: AbortSignal): Promise<Record<string, number>>;
  /** The rows of each table of another database file (in a worker thread). */
  count(path: string, signal?: AbortSignal): Promise<Record<string, number>>;
  /** A Db on another database file (an image being prepared); close it when done. */
  open(path: string): Db;
  /**
   * Put the database file `fresh` in place of this one; the current content ends in `keep`.
   * `prepare` runs first while this process's statements wait, so nothing reaches the store
   * between it and the swap. Alone on the file, it renames (`renamed`: `keep` is the old file,
   * every connection of this process reopens); when another process has it open, it copies the
   * current content to `keep` and `fresh` into the database in one transaction (`copied`: the
   * other connections see it).
   */
  replace(fresh: string, keep: string, prepare: () => Promise<void>): Promise<'renamed' | 'copied'>;
}

export const one = <T>(rows: T[]): T | undefined => rows[0];
