import postgres from 'postgres';
import type { Db, Param, RowLoader } from '../../core/sql/db.js';
import { storeError } from './errors.js';
import { copyIn } from './pg-copy.js';
import { socketFactory } from './pg-socket.js';

type Sql = postgres.Sql | postgres.TransactionSql;

/** Credentials never leave this module: the location shown to users is host/database only. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

const NUMBER_TYPES = {
  // BIGINT (int8) columns hold epoch milliseconds and counts: well inside Number's exact range.
  bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
};

export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly location: string;

  constructor(
    private readonly sql: Sql,
    location: string,
    private readonly root = true,
  ) {
    this.location = location;
  }

  static open(
    url: string,
    opts: { max?: number; connectTimeout?: number; onClose?: () => void } = {},
  ): PostgresDb {
    const socket = socketFactory(url);
    const sql = postgres(url, {
      max: opts.max ?? 10,
      connect_timeout: opts.connectTimeout ?? 5,
      idle_timeout: 60,
      // the driver waits up to 20 s between reconnects after repeated failures; a store that is
      // back must be used within a couple of seconds (spooled step results, leases), so cap it
      backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 2),
      onnotice: () => {},
      ...(opts.onClose ? { onclose: opts.onClose } : {}),
      // No array-type lookup on connect: our SQL uses no arrays, and a connection terminated during
      // that lookup (pg_terminate_backend, a failover) rejects outside any query, unhandled.
      fetch_types: false,
      types: NUMBER_TYPES,
      connection: { application_name: 'mahavishnu' },
      // sockets on which a connection reset rejects every query handed to the connection (pg-socket.ts)
      ...(socket ? { socket } : {}),
    });
    return new PostgresDb(sql, describe(url));
  }

  /** One connection of its own, one round trip, closed after: does the store answer at all? */
  static async probe(url: string, connectTimeout: number): Promise<void> {
    const sql = postgres(url, {
      max: 1,
      connect_timeout: connectTimeout,
      onnotice: () => {},
      fetch_types: false,
      connection: { application_name: 'mahavishnu' },
    });
    try {
      await sql.unsafe('SELECT 1');
    } finally {
      await sql.end({ timeout: 0 }).catch(() => {});
    }
  }

  async query<T>(text: string, params: readonly Param[] = []): Promise<T[]> {
    try {
      const rows = await this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      });
      return rows as unknown as T[];
    } catch (e) {
      throw storeError(e, this.location);
    }
  }

  async exec(text: string): Promise<void> {
    try {
      await this.sql.unsafe(text);
    } catch (e) {
      throw storeError(e, this.location);
    }
  }

  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this);
    try {
      return (await (this.sql as postgres.Sql).begin((t) =>
        fn(new PostgresDb(t, this.location, false)),
      )) as T;
    } catch (e) {
      throw storeError(e, this.location);
    }
  }

  copyIn(table: string, columns: readonly string[]): RowLoader {
    return copyIn(this.sql, table, columns, this.location);
  }

  async lock(name: string): Promise<void> {
    await this.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
  }

  async ping(): Promise<number> {
    const t = performance.now();
    await this.query('SELECT 1');
    return performance.now() - t;
  }

  async close(graceSeconds = 5): Promise<void> {
    if (this.root) await (this.sql as postgres.Sql).end({ timeout: graceSeconds });
  }
}
