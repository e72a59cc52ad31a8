import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleType,
  IsolatedCircuitError,
} from 'cockatiel';
import { AppError } from '../errors.js';
import { AdapterFailure } from './adapter.js';
import { BreakerState } from './schemas.js';

export const BREAKER_STATES = BreakerState.options;

/**
 * One adapter's circuit breaker (cockatiel): closed → open after `threshold` consecutive failures;
 * after the cooldown the next call is the single trial (half-open) while every other call fails
 * fast; the trial's outcome closes or re-opens it. `hold()` keeps it open (adapter restart).
 * Only AdapterFailure counts: a cancelled or invalid call says nothing about the adapter.
 */
export class Breaker {
  private readonly counter: ConsecutiveBreaker;
  private readonly policy: CircuitBreakerPolicy;
  private held: { dispose: () => void } | undefined;
  private openedAt = 0;
  lastFailure: string | undefined;

  constructor(
    readonly adapter: string,
    readonly cooldownMs: number,
    threshold: number,
    onChange: (from: BreakerState, to: BreakerState) => void,
  ) {
    this.counter = new ConsecutiveBreaker(threshold);
    this.policy = circuitBreaker(handleType(AdapterFailure), {
      halfOpenAfter: cooldownMs,
      breaker: this.counter,
    });
    let last: BreakerState = 'closed';
    this.policy.onStateChange(() => {
      const now = this.state;
      if (now === 'open') this.openedAt = Date.now();
      if (now !== last) onChange(last, now);
      last = now;
    });
  }

  /** Held open by a restart counts as open: calls are refused either way. */
  get state(): BreakerState {
    const s = this.policy.state;
    if (s === CircuitState.Closed) return 'closed';
    if (s === CircuitState.HalfOpen) return 'half_open';
    return 'open';
  }

  get isHeld(): boolean {
    return this.held !== undefined;
  }

  /**
   * When an open breaker lets its next trial through (epoch ms; undefined unless open). Held by a
   * restart, the trial is the health probe adapter restart scheduled (`probeAt`), not a call.
   */
  nextTrialAt(probeAt?: number): number | undefined {
    if (this.held) return probeAt;
    if (this.policy.state !== CircuitState.Open) return undefined;
    return this.openedAt + this.cooldownMs;
  }

  /** Milliseconds until an open breaker lets a trial call through (0 when not open). */
  get cooldownRemainingMs(): number {
    return Math.max(0, (this.nextTrialAt() ?? 0) - Date.now());
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    const refused = { adapter: this.adapter, outcome: 'refused' };
    if (this.policy.state === CircuitState.HalfOpen) {
      throw new AppError(
        'unavailable',
        `adapter ${this.adapter}: its circuit breaker is half-open and one trial call is in progress; retry shortly`,
        refused,
      );
    }
    try {
      return await this.policy.execute(({ signal: s }) => fn(s), signal);
    } catch (e) {
      if (e instanceof IsolatedCircuitError) {
        throw new AppError(
          'unavailable',
          `adapter ${this.adapter}: its circuit breaker is held open by \`adapter_restart {"name":"${this.adapter}"}\` until its health probe passes; retry after the restart`,
          refused,
        );
      }
      if (e instanceof BrokenCircuitError) {
        throw new AppError(
          'unavailable',
          `adapter ${this.adapter}: its circuit breaker is open after repeated failures (last: ${this.lastFailure ?? 'unknown'}); ` +
            `calls fail fast for ${Math.ceil(this.cooldownRemainingMs / 1000)} s more, then one trial goes through. ` +
            `If the adapter is back, \`adapter_restart {"name":"${this.adapter}"}\` closes it now`,
          refused,
        );
      }
      if (e instanceof AdapterFailure) {
        this.lastFailure = e.message;
        throw new AppError('unavailable', `adapter ${this.adapter} failed: ${e.message}; retry shortly`, {
          adapter: this.adapter,
          outcome: 'failed',
        });
      }
      throw e;
    }
  }

  /** Keep the breaker open (refusing every call) until release(). */
  hold(): void {
    this.held ??= this.policy.isolate();
  }

  /** End a hold: the breaker closes with its failure count reset. */
  release(): void {
    this.counter.state = 0;
    this.held?.dispose();
    this.held = undefined;
    this.lastFailure = undefined;
  }
}
