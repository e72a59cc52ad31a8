import { AppError, isAppError } from '../../core/errors.js';
import type { Db, Param } from '../../core/sql/db.js';
import { StuckWatch, type StuckWatchOptions } from './stuck-watch.js';

/**
 * The Db the core holds: it forwards to a real store that can be replaced while the process
 * runs (ecosystem restart-database). A call that started on a store which was then retired
 * fails with a retryable `unavailable`, whatever the driver threw, so the caller can simply
 * retry on the new connections; calls that start after the swap use the new store.
 */
export class ReconnectingDb implements Db {
  private current: Db;
  private generation = 0;
  private failedAt: number | undefined;
  private readonly watch: StuckWatch | undefined;

  /** `guard`: reject calls a lost connection stranded, once the store is known down (stuck-watch.ts). */
  constructor(
    private readonly open: () => Db,
    guard?: Omit<StuckWatchOptions, 'reset'>,
  ) {
    this.current = open();
    this.watch = guard && new StuckWatch({ ...guard, reset: () => this.reconnect() });
  }

  /** A pooled connection closed: calls older than that are looked at after the connect timeout. */
  connectionClosed(): void {
    this.watch?.suspect();
  }

  get dialect() {
    return this.current.dialect;
  }

  get location() {
    return this.current.location;
  }

  get file() {
    return this.current.file;
  }

  private async run<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const gen = this.generation;
    const db = this.current;
    try {
      const r = await (this.watch ? this.watch.track(() => fn(db)) : fn(db));
      this.failedAt = undefined;
      return r;
    } catch (e) {
      const err = this.mapped(e, gen);
      if (isAppError(err) && err.code === 'unavailable') {
        this.failedAt = Date.now();
        this.watch?.suspect();
      }
      throw err;
    }
  }

  private mapped(e: unknown, gen: number): unknown {
    if (gen !== this.generation)
      return new AppError(
        'unavailable',
        'the state store connections were restarted while this call ran; retry it',
      );
    if (!isAppError(e) && e instanceof Error && /not open|closed|ended/i.test(e.message))
      return new AppError('unavailable', `the state store is unavailable: ${e.message}; retry shortly`);
    return e;
  }

  query<T>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.run((db) => db.query<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.run((db) => db.exec(sql));
  }

  tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.run((db) => db.tx(fn));
  }

  snapshot<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.run((db) => (db.snapshot ? db.snapshot(fn) : db.tx(fn)));
  }

  lock(name: string): Promise<void> {
    return this.run((db) => db.lock(name));
  }

  ping(): Promise<number> {
    return this.run((db) => db.ping());
  }

  lastFailure(): number | undefined {
    return this.failedAt;
  }

  /** Open new connections, send new calls to them, then drop the old ones (their calls fail retryably). */
  async reconnect(): Promise<void> {
    const old = this.current;
    this.current = this.open();
    this.generation++;
    await old.close(0).catch(() => {});
  }

  close(graceSeconds?: number): Promise<void> {
    this.watch?.stop();
    return this.current.close(graceSeconds);
  }
}
