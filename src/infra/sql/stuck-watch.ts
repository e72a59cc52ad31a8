import { storeUnavailable } from './errors.js';

export interface StuckWatchOptions {
  /** Opens a connection of its own and round-trips a query: resolves if the store answers. */
  probe: () => Promise<void>;
  /** How long after a connection closed a call that began before it is looked at (the connect timeout). */
  afterMs: number;
  /** Called after stranded calls were rejected: drop the pool, so the next call connects anew. */
  reset: () => Promise<void>;
}

interface Pending {
  started: number;
  reject: (e: unknown) => void;
}

/**
 * The safety net for calls a dying connection may strand (the driver can leave a query
 * unsettled when its socket errs; pg-socket.ts closes that gap for plain TCP, not for TLS or
 * several hosts). When a pooled connection closes, calls that began before it and are still
 * running `afterMs` later are suspects; if a connection of its own cannot reach the store then,
 * they are rejected with `unavailable` and the pool is reset. A long statement on a store that
 * answers (a backup, a restore) is never cut: the bound applies only once the store is known down.
 */
export class StuckWatch {
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: StuckWatchOptions) {}

  /** Run a call under watch: it settles as `work` does, or is rejected if found stranded. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    let reject!: (e: unknown) => void;
    const cut = new Promise<never>((_, r) => {
      reject = r;
    });
    const entry = { started: Date.now(), reject };
    this.pending.add(entry);
    try {
      return await Promise.race([work(), cut]);
    } finally {
      this.pending.delete(entry);
    }
  }

  /** A pooled connection closed (or a call failed as unavailable): look at older calls later. */
  suspect(): void {
    if (this.timer) return;
    const since = Date.now();
    this.timer = setTimeout(() => {
      // a connection that closes while this check probes gets a check of its own
      this.timer = undefined;
      void this.check(since);
    }, this.opts.afterMs);
    this.timer.unref();
  }

  private async check(since: number): Promise<void> {
    const stale = [...this.pending].filter((p) => p.started <= since);
    if (stale.length === 0) return;
    const bound = new Promise<void>((_, r) => setTimeout(r, this.opts.afterMs + 1000).unref());
    const reachable = await Promise.race([this.opts.probe(), bound]).then(
      () => true,
      () => false,
    );
    if (reachable) return;
    for (const p of stale) {
      this.pending.delete(p);
      p.reject(storeUnavailable('a connection was lost while this call ran'));
    }
    // after the rejected calls have seen their own error, not the reset's
    await new Promise((r) => setImmediate(r));
    await this.opts.reset().catch(() => {});
  }
}
