import type { Cache } from '../cache/cache.js';
import type { HealthStatus } from './schemas.js';

export interface ComponentResult {
  status: HealthStatus;
  message: string;
  /** Extra facts for operators (pool sizes, breaker state, …); no secrets. */
  details?: Record<string, unknown>;
}

export interface ComponentHealth extends ComponentResult {
  name: string;
  critical: boolean;
  latency_ms: number;
  checked_at: string;
}

export interface ComponentCheck {
  /** Stable name, shown as the key in /health/components (e.g. state_store, circuit_breaker_main). */
  name: string;
  /** A critical component's status decides the overall status; others can only degrade it. */
  critical: boolean;
  /**
   * The result is the same seen from any replica (a shared dependency read the same way, e.g.
   * backup storage): it is cached through the cache port, so with Redis one replica's check
   * answers for all within the ttl. Without it the result describes this process (its
   * connections, breakers, workers) and is cached in this process only.
   */
  shared?: boolean;
  check: (signal: AbortSignal) => Promise<ComponentResult>;
}

export interface HealthOptions {
  /** Where shared results are kept (Redis: every replica); without it they stay in this process. */
  cache?: Cache;
  /** Seconds a result is reused (cache.health_ttl_s); 0 checks on every read. */
  ttlSeconds?: () => number;
  timeoutMs?: number;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };
export const worst = (a: HealthStatus, b: HealthStatus): HealthStatus => (RANK[a] >= RANK[b] ? a : b);

/**
 * Every domain registers its components here (the state store, the cache, backup storage, each
 * breaker, each pool). A result is reused for the ttl (cache.health_ttl_s) so a probe storm does
 * not become a database or S3 storm: in this process (concurrent reads share one check in
 * flight), and for shared components through the cache port too. A check that takes longer than
 * the timeout is unhealthy.
 */
export class Health {
  private readonly checks = new Map<string, ComponentCheck>();
  private readonly recent = new Map<string, { at: number; value: Promise<ComponentHealth> }>();
  private readonly cache: Cache | undefined;
  private readonly ttlSeconds: () => number;
  private readonly timeoutMs: number;

  constructor(options: HealthOptions = {}) {
    this.cache = options.cache;
    this.ttlSeconds = options.ttlSeconds ?? (() => 2);
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  register(check: ComponentCheck): void {
    this.checks.set(check.name, check);
    this.recent.delete(check.name);
  }

  unregister(name: string): void {
    this.checks.delete(name);
    this.recent.delete(name);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  private async runOne(c: ComponentCheck): Promise<ComponentHealth> {
    const started = performance.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ComponentResult>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve({ status: 'unhealthy', message: `check timed out after ${this.timeoutMs} ms` });
      }, this.timeoutMs);
    });
    let r: ComponentResult;
    try {
      r = await Promise.race([c.check(abort.signal), timeout]);
    } catch (e) {
      r = { status: 'unhealthy', message: (e as Error).message };
    } finally {
      clearTimeout(timer);
    }
    return {
      name: c.name,
      critical: c.critical,
      ...r,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
      checked_at: new Date().toISOString(),
    };
  }

  /** Every component's result: reused while younger than the ttl, unless `fresh`. */
  async components(fresh = false): Promise<ComponentHealth[]> {
    return Promise.all([...this.checks.values()].map((c) => this.result(c, fresh)));
  }

  private async result(c: ComponentCheck, fresh: boolean): Promise<ComponentHealth> {
    const ttlMs = this.ttlSeconds() * 1000;
    if (!fresh && ttlMs > 0) {
      const mine = this.recent.get(c.name);
      if (mine && Date.now() - mine.at < ttlMs) return mine.value;
      const theirs = c.shared ? await this.readShared(c.name, ttlMs) : undefined;
      if (theirs) {
        this.recent.set(c.name, { at: Date.parse(theirs.checked_at), value: Promise.resolve(theirs) });
        return theirs;
      }
    }
    const value = this.runOne(c);
    this.recent.set(c.name, { at: Date.now(), value });
    if (c.shared && ttlMs > 0 && this.cache) {
      const r = await value;
      // Redis expires whole seconds; the reader checks the age itself
      await this.cache.set(this.key(c.name), JSON.stringify(r), Math.ceil(ttlMs / 1000)).catch(() => {});
    }
    return value;
  }

  private key(name: string): string {
    return `health:${name}`;
  }

  /** Another replica's (or this one's) result, if younger than the ttl; a cache that is away is a miss. */
  private async readShared(name: string, ttlMs: number): Promise<ComponentHealth | undefined> {
    const raw = await this.cache?.get(this.key(name)).catch(() => undefined);
    if (!raw) return undefined;
    const r = JSON.parse(raw) as ComponentHealth;
    return Date.now() - Date.parse(r.checked_at) < ttlMs ? r : undefined;
  }

  /** Overall: the worst critical status; a non-critical component can make it at most degraded. */
  static overall(components: ComponentHealth[]): HealthStatus {
    let s: HealthStatus = 'healthy';
    for (const c of components)
      s = worst(s, c.critical ? c.status : c.status === 'healthy' ? 'healthy' : 'degraded');
    return s;
  }
}
