import { closest } from '../config/zod-issues.js';
import { AppError } from '../errors.js';
import type { Health } from '../health/health.js';
import type { Logger } from '../log.js';
import { Counter, Gauge, Histogram, type Registry } from '../prom.js';
import {
  type AdapterClient,
  type AdapterConnector,
  AdapterRequest,
  type AdapterResponse,
  type AdapterSpec,
} from './adapter.js';
import { BREAKER_STATES, Breaker } from './breaker.js';
import { CallWindow } from './call-window.js';
import type { AdapterStatus, BreakerState, ProbeResult, RestartResult } from './schemas.js';

interface Entry {
  spec: AdapterSpec;
  client: AdapterClient;
  breaker: Breaker;
  retry?: NodeJS.Timeout;
  /** When the retried health probe of a held breaker runs next (epoch ms). */
  retryAt?: number;
  calls: CallWindow;
}

/** ok: the adapter answered; failed: it failed (counted by the breaker); refused: the breaker said no. */
type CallOutcome = 'ok' | 'failed' | 'refused';

const target = (s: AdapterSpec) => (s.type === 'http' ? s.base_url : s.health.join(' '));

/**
 * The external engines workflow steps and tools reach, each behind its own circuit breaker.
 * `call` is the one way in: it goes through the breaker, so a failing adapter is refused fast
 * instead of being hammered. Breaker states are health components (circuit_breaker_<name>) and
 * metrics (mahavishnu_circuit_state, mahavishnu_circuit_transitions_total).
 */
export class Adapters {
  private readonly entries = new Map<string, Entry>();
  private readonly stateGauge: Gauge<'adapter' | 'state'>;
  private readonly transitions: Counter<'adapter' | 'to'>;
  private readonly duration: Histogram<'adapter' | 'outcome'>;

  constructor(
    private readonly connect: AdapterConnector,
    private readonly health: Health,
    private readonly log: Logger,
    registry: Registry,
    /** mahavishnu_errors_total: adapter failures and refusals count as source="adapter". */
    private readonly errors: Counter<'source' | 'code'>,
  ) {
    this.duration = new Histogram({
      name: 'mahavishnu_adapter_call_duration_seconds',
      help: 'Adapter call latency in seconds, by adapter and outcome (ok, failed, refused by the breaker).',
      labelNames: ['adapter', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.stateGauge = new Gauge({
      name: 'mahavishnu_circuit_state',
      help: 'Circuit breaker state per adapter: 1 for the current state, 0 for the others.',
      labelNames: ['adapter', 'state'] as const,
      registers: [registry],
    });
    this.transitions = new Counter({
      name: 'mahavishnu_circuit_transitions_total',
      help: 'Circuit breaker state changes per adapter, by the state entered.',
      labelNames: ['adapter', 'to'] as const,
      registers: [registry],
    });
  }

  /** Build (or rebuild, for adapters whose settings changed) the adapters from settings. */
  configure(specs: Record<string, AdapterSpec>): void {
    for (const [name, e] of this.entries) {
      if (!specs[name] || JSON.stringify(specs[name]) !== JSON.stringify(e.spec)) this.remove(name);
    }
    for (const [name, spec] of Object.entries(specs)) if (!this.entries.has(name)) this.add(name, spec);
  }

  private add(name: string, spec: AdapterSpec): void {
    const breaker = new Breaker(name, spec.cooldown_s * 1000, spec.failure_threshold, (from, to) => {
      this.transitions.inc({ adapter: name, to });
      this.setGauge(name, to);
      this.log.warn({ adapter: name, from, to }, 'circuit breaker changed state');
    });
    this.entries.set(name, { spec, client: this.connect(name, spec), breaker, calls: new CallWindow() });
    this.setGauge(name, 'closed');
    this.health.register({
      name: `circuit_breaker_${name}`,
      critical: false,
      check: async () => {
        const s = this.status(name);
        const message =
          s.state === 'closed'
            ? 'closed: calls pass'
            : s.state === 'half_open'
              ? 'half-open: one trial call in progress'
              : s.held
                ? 'open: held by adapter restart until the health probe passes'
                : `open: calls fail fast; trial in ${Math.ceil(s.cooldown_remaining_ms / 1000)} s (last failure: ${s.last_failure})`;
        return {
          status: s.state === 'closed' ? 'healthy' : s.state === 'half_open' ? 'degraded' : 'unhealthy',
          message,
          details: { ...s },
        };
      },
    });
  }

  private remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    clearTimeout(e.retry);
    void e.client.close().catch(() => {});
    this.entries.delete(name);
    this.health.unregister(`circuit_breaker_${name}`);
    for (const state of BREAKER_STATES) this.stateGauge.remove({ adapter: name, state });
    for (const outcome of ['ok', 'failed', 'refused']) this.duration.remove({ adapter: name, outcome });
  }

  private setGauge(name: string, current: BreakerState) {
    for (const state of BREAKER_STATES)
      this.stateGauge.set({ adapter: name, state }, state === current ? 1 : 0);
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) {
      const guess = closest(name, [...this.entries.keys()]);
      throw new AppError(
        'not_found',
        `no adapter named "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; ` +
          `configured: ${[...this.entries.keys()].join(', ') || 'none'} (settings group adapters; \`adapter_list\`)`,
      );
    }
    return e;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  status(name: string): AdapterStatus {
    const { spec, breaker, retryAt } = this.entry(name);
    const next = breaker.nextTrialAt(retryAt);
    return {
      name,
      type: spec.type,
      target: target(spec),
      state: breaker.state,
      held: breaker.isHeld,
      cooldown_s: spec.cooldown_s,
      cooldown_remaining_ms: next === undefined ? 0 : Math.max(0, next - Date.now()),
      next_trial_at: next === undefined ? null : new Date(next).toISOString(),
      last_failure: breaker.lastFailure ?? null,
    };
  }

  /** Calls of the last five minutes and their failures (what the high-error-rate prompt shows). */
  callRates(): Array<{
    adapter: string;
    calls: number;
    failed: number;
    refused: number;
    error_ratio: number;
  }> {
    return this.names().map((adapter) => ({ adapter, ...this.entry(adapter).calls.totals() }));
  }

  list(): AdapterStatus[] {
    return this.names().map((n) => this.status(n));
  }

  /**
   * Call an adapter through its breaker. Fails with `unavailable` (retryable) when the breaker
   * refuses the call or the adapter fails; a 4xx reply is returned as is.
   */
  async call(name: string, request: AdapterRequest, signal?: AbortSignal): Promise<AdapterResponse> {
    const e = this.entry(name);
    const req = AdapterRequest.parse(request);
    const started = performance.now();
    let outcome: CallOutcome = 'ok';
    try {
      return await e.breaker.execute((s) => e.client.call(req, s), signal ?? new AbortController().signal);
    } catch (err) {
      // a cancelled call says nothing about the adapter; a failure or a refusal does
      const d = (err as AppError).details;
      if (d?.outcome === 'failed' || d?.outcome === 'refused') {
        outcome = d.outcome;
        this.errors.inc({ source: 'adapter', code: (err as AppError).code });
      }
      throw err;
    } finally {
      if (this.entries.get(name) === e) {
        this.duration.observe({ adapter: name, outcome }, (performance.now() - started) / 1000);
        e.calls.add(outcome);
      }
    }
  }

  /**
   * Probe an adapter's health now without touching its breaker: no state change, no failure
   * recorded. What adapter_probe shows, to decide whether adapter_restart would close it.
   */
  async check(name: string, signal?: AbortSignal): Promise<ProbeResult> {
    const e = this.entry(name);
    const started = performance.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), e.spec.timeout_ms);
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    let r: { ok: boolean; message: string };
    try {
      r = { ok: true, message: await e.client.probe(abort.signal) };
    } catch (err) {
      r = { ok: false, message: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
    return {
      adapter: name,
      ...r,
      duration_ms: Math.round(performance.now() - started),
      breaker: this.status(name),
    };
  }

  /**
   * Hold the breaker open, drop and rebuild the adapter's connections, probe its health, and
   * close the breaker only when the probe passes. When it fails the breaker stays held and the
   * probe is retried every cooldown until it passes (or the next restart).
   */
  async restart(name: string, signal?: AbortSignal): Promise<RestartResult> {
    const e = this.entry(name);
    clearTimeout(e.retry);
    e.retryAt = undefined;
    e.breaker.hold();
    await e.client.reset();
    const probe = await this.probe(e, signal);
    if (probe.ok) e.breaker.release();
    else this.retryLater(name, e);
    this.log.info({ adapter: name, probe }, 'adapter restarted');
    return { adapter: name, probe, state: e.breaker.state, closed: probe.ok };
  }

  private async probe(e: Entry, signal?: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), e.spec.timeout_ms);
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    try {
      return { ok: true, message: await e.client.probe(abort.signal) };
    } catch (err) {
      e.breaker.lastFailure = `health probe: ${(err as Error).message}`;
      return { ok: false, message: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  private retryLater(name: string, e: Entry): void {
    e.retryAt = Date.now() + e.spec.cooldown_s * 1000;
    e.retry = setTimeout(async () => {
      if (this.entries.get(name) !== e) return;
      const p = await this.probe(e);
      e.retryAt = undefined;
      if (p.ok) {
        e.breaker.release();
        this.log.info({ adapter: name }, 'adapter probe passed; breaker closed');
      } else this.retryLater(name, e);
    }, e.spec.cooldown_s * 1000);
    e.retry.unref();
  }

  async close(): Promise<void> {
    for (const name of this.names()) this.remove(name);
  }
}
