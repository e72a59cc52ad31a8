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
  check: (signal: AbortSignal) => Promise<ComponentResult>;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };
export const worst = (a: HealthStatus, b: HealthStatus): HealthStatus => (RANK[a] >= RANK[b] ? a : b);

/**
 * Every domain registers its components here (the state store, the cache, backup storage, each
 * breaker, each pool). Results are cached for `ttlMs` so a probe storm does not become a database
 * storm; a check that takes longer than `timeoutMs` is unhealthy.
 */
export class Health {
  private readonly checks = new Map<string, ComponentCheck>();
  private cache: { at: number; value: Promise<ComponentHealth[]> } | undefined;

  constructor(
    private readonly ttlMs = 2000,
    private readonly timeoutMs = 3000,
  ) {}

  register(check: ComponentCheck): void {
    this.checks.set(check.name, check);
    this.cache = undefined;
  }

  unregister(name: string): void {
    this.checks.delete(name);
    this.cache = undefined;
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

  /** Check every component (or return the cached result younger than ttl). */
  async components(fresh = false): Promise<ComponentHealth[]> {
    const now = Date.now();
    if (!fresh && this.cache && now - this.cache.at < this.ttlMs) return this.cache.value;
    const value = Promise.all([...this.checks.values()].map((c) => this.runOne(c)));
    this.cache = { at: now, value };
    return value;
  }

  /** Overall: the worst critical status; a non-critical component can make it at most degraded. */
  static overall(components: ComponentHealth[]): HealthStatus {
    let s: HealthStatus = 'healthy';
    for (const c of components)
      s = worst(s, c.critical ? c.status : c.status === 'healthy' ? 'healthy' : 'degraded');
    return s;
  }
}
