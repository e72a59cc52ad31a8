/**
 * Adapter calls per outcome over the last five minutes, in one-minute buckets: the rate an
 * incident prompt reports without asking Prometheus (the counters there hold the same events).
 */
export class CallWindow {
  private readonly buckets: Array<{ minute: number; ok: number; failed: number; refused: number }> = [];

  add(outcome: 'ok' | 'failed' | 'refused', now = Date.now()): void {
    const minute = Math.floor(now / 60_000);
    let b = this.buckets.at(-1);
    if (!b || b.minute !== minute) {
      b = { minute, ok: 0, failed: 0, refused: 0 };
      this.buckets.push(b);
      while (this.buckets.length > 5) this.buckets.shift();
    }
    b[outcome]++;
  }

  totals(now = Date.now()): { calls: number; failed: number; refused: number; error_ratio: number } {
    const since = Math.floor(now / 60_000) - 4;
    const live = this.buckets.filter((b) => b.minute >= since);
    const ok = live.reduce((n, b) => n + b.ok, 0);
    const failed = live.reduce((n, b) => n + b.failed, 0);
    const refused = live.reduce((n, b) => n + b.refused, 0);
    const calls = ok + failed + refused;
    return {
      calls,
      failed,
      refused,
      error_ratio: calls ? Math.round(((failed + refused) / calls) * 10000) / 10000 : 0,
    };
  }
}
