import { AppError } from './errors.js';

export interface MaintenanceState {
  reason: string;
  since: string;
}

/**
 * The maintenance state (core.maintenance): while active, invoke refuses every tool that changes
 * state (except those declared `maintenance: 'allowed'`, which it is for) and pools pause (listeners of onChange). Entering waits for
 * the state-changing calls already running to finish, so a restore never races a write.
 */
export class Maintenance {
  private current: MaintenanceState | undefined;
  private inflight = 0;
  private idle: Array<() => void> = [];
  private readonly listeners: Array<(s: MaintenanceState | undefined) => void> = [];

  get active(): MaintenanceState | undefined {
    return this.current;
  }

  /** The refusal invoke gives to a state-changing tool, or undefined when it may run. */
  refusal(tool: string): AppError | undefined {
    if (!this.current) return undefined;
    return new AppError(
      'unavailable',
      `the server is in maintenance (${this.current.reason}, since ${this.current.since}); ${tool} changes state ` +
        'and is refused until it ends; read-only tools still work. Retry when maintenance is over.',
    );
  }

  /** Count a state-changing call in flight; call the returned function when it ends. */
  track(): () => void {
    this.inflight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inflight--;
      if (this.inflight === 0) for (const w of this.idle.splice(0)) w();
    };
  }

  onChange(fn: (s: MaintenanceState | undefined) => void): void {
    this.listeners.push(fn);
  }

  async enter(reason: string, drainMs = 30_000): Promise<void> {
    if (this.current)
      throw new AppError(
        'conflict',
        `maintenance is already active (${this.current.reason}); wait for it to end`,
      );
    this.current = { reason, since: new Date().toISOString() };
    this.emit();
    if (this.inflight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((r) => this.idle.push(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), drainMs))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      this.exit();
      throw new AppError(
        'unavailable',
        `state-changing calls still running after ${drainMs} ms; retry the maintenance later`,
      );
    }
  }

  exit(): void {
    this.current = undefined;
    this.emit();
  }

  async during<T>(reason: string, fn: () => Promise<T>): Promise<T> {
    await this.enter(reason);
    try {
      return await fn();
    } finally {
      this.exit();
    }
  }

  private emit() {
    for (const l of this.listeners) l(this.current);
  }
}
