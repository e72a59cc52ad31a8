import type { Db, Param, RowLoader } from '../sql/db.js';

/**
 * The bulk loads of one restore (Db.copyIn): one per table, across all its entries, so the store
 * loads an entry's rows while the next entry is read and parsed. A load ends when another table
 * (or another statement) comes, or after the last entry; nothing else runs on the Db meanwhile.
 */
export class RowLoads {
  private open: { table: string; load: RowLoader } | undefined;
  private stopped: Error | undefined;

  constructor(private readonly copyIn: NonNullable<Db['copyIn']>) {}

  /** Rows into `table`: the load under way, or a new one once the previous has ended. */
  async write(table: string, columns: readonly string[], rows: readonly (readonly Param[])[]): Promise<void> {
    if (this.stopped) throw this.stopped;
    if (this.open?.table !== table) {
      await this.end();
      this.open = { table, load: this.copyIn(table, columns) };
    }
    await this.open.load.write(rows);
  }

  /** End the load under way: resolves once the store holds its rows (before any other statement). */
  async end(): Promise<void> {
    const o = this.open;
    this.open = undefined;
    await o?.load.end();
  }

  /** The restore failed: stop the load under way (CopyFail) and refuse every later write. */
  async abort(reason: Error): Promise<void> {
    this.stopped = reason;
    const o = this.open;
    this.open = undefined;
    await o?.load.abort(reason);
  }
}
