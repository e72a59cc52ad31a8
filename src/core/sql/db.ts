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
}

export const one = <T>(rows: T[]): T | undefined => rows[0];
