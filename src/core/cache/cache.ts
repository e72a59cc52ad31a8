/**
 * The cache port: short-lived values that may be lost at any time, each with its own lifetime:
 * user lookups (auth.principal_cache_ttl_s), shared health results (cache.health_ttl_s),
 * approval page sessions and sign-in counters (approvals.*).
 * Implementations: the in-process LRU (default) and Redis (src/infra/cache/redis.ts), which
 * several replicas share. A cache that cannot be reached rejects at once with `unavailable`;
 * callers treat that as a miss, never as a reason to fail their own work.
 */
export interface Cache {
  readonly backend: 'memory' | 'redis';
  /** Where the cache lives, without credentials. */
  readonly location: string;
  get(key: string): Promise<string | undefined>;
  /** Store a value for ttlSeconds. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Add one to a counter and resolve with its new value. The first increment starts a window of
   * ttlSeconds; later increments do not extend it, so a counter counts events per fixed window
   * (login attempts per minute). With Redis every replica counts in the same window.
   */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** Round-trip; resolves with the latency in ms or rejects with `unavailable`. */
  ping(): Promise<number>;
  /** Drop the connections and open new ones (ecosystem restart-database). */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}
