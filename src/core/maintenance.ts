import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError } from './errors.js';
import type { Logger } from './log.js';
import { type BoardState, MaintenanceBoard } from './maintenance-board.js';
import type { Db } from './sql/db.js';

export interface MaintenanceState {
  reason: string;
  since: string;
  /** Held by this process (a restore runs here), or followed (another process of the installation holds it). */
  role: 'holder' | 'follower';
  token?: string;
}

export interface MaintenanceTiming {
  /** How often a long-running process reads the store's maintenance and heartbeats. */
  pollMs: number;
  /** How long a holder waits for the other processes to pause and for running steps to end. */
  drainMs: number;
}

export interface HoldOptions {
  /** Cancel running steps (they are recorded cancelled) instead of waiting for them. */
  cancelRunning?: boolean;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

/** What the installation did before the work ran: who paused, which steps ended first. */
export interface HoldReport {
  /** The other processes (host:pid:…) that stopped writing and claiming. */
  paused: string[];
  /** Running steps waited for until they ended. */
  drained: string[];
  /** Running steps cancelled (cancel_running) and recorded as such. */
  cancelled: string[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    signal?.throwIfAborted();
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(t);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

/**
 * The maintenance state (core.maintenance): while active, invoke refuses every tool that changes
 * state (except those declared `maintenance: 'allowed'`, which it is for) and pools pause
 * (listeners of onChange). With a store (migration 23) it is installation-wide: `during` puts
 * it in the store, every long-running process that `watch`es follows it (stops writing and
 * claiming, acknowledges), and the holder waits for them and for running steps to end before
 * the work runs. Entering waits for the state-changing calls already running to finish.
 */
export class Maintenance {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private current: MaintenanceState | undefined;
  private inflight = 0;
  private idle: Array<() => void> = [];
  private readonly listeners: Array<(s: MaintenanceState | undefined) => void> = [];
  private readonly cancelListeners: Array<() => Promise<void> | void> = [];
  private readonly board: MaintenanceBoard | undefined;

  constructor(
    db?: Db,
    private readonly timing: () => MaintenanceTiming = () => ({ pollMs: 500, drainMs: 300_000 }),
    private readonly log?: Logger,
  ) {
    this.board = db && new MaintenanceBoard(db);
  }

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

  /** Called while a holder asks the installation to cancel its running steps (pools kill theirs). */
  onCancelRequested(fn: () => Promise<void> | void): void {
    this.cancelListeners.push(fn);
  }

  /** Local maintenance of this process only (the installation-wide one is `during`). */
  async enter(reason: string, drainMs = 30_000): Promise<void> {
    if (this.current)
      throw new AppError(
        'conflict',
        `maintenance is already active (${this.current.reason}); wait for it to end`,
      );
    this.current = { reason, since: new Date().toISOString(), role: 'holder' };
    this.emit();
    if (!(await this.quiet(drainMs))) {
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

  /**
   * Run fn with the whole installation in maintenance: the store says so (other processes
   * follow), this process refuses writes, every following process has acknowledged that it
   * stopped writing and claiming, and no step runs anywhere (drained, or cancelled and recorded
   * with cancelRunning). Always released at the end, whatever fn does.
   */
  async during<T>(reason: string, fn: (r: HoldReport) => Promise<T>, o: HoldOptions = {}): Promise<T> {
    const board = this.board;
    if (!board) {
      await this.enter(reason);
      try {
        return await fn({ paused: [], drained: [], cancelled: [] });
      } finally {
        this.exit();
      }
    }
    const { pollMs } = this.timing();
    const ttl = Math.max(30_000, 20 * pollMs);
    const token = randomBytes(12).toString('hex');
    const other = await board.claim({
      token,
      reason,
      holder: this.owner,
      since: Date.now(),
      expires_at: Date.now() + ttl,
    });
    if (other)
      throw new AppError(
        'conflict',
        `the installation is already in maintenance (${other.reason}, held by ${other.holder} since ` +
          `${new Date(other.since).toISOString()}); wait for it to end and retry`,
      );
    const renew = setInterval(
      () =>
        void board
          .renew(token, Date.now() + ttl)
          .catch((e) => this.log?.warn({ err: e }, 'maintenance renewal failed')),
      Math.max(200, Math.floor(ttl / 10)),
    );
    renew.unref();
    try {
      await this.enter(reason);
      this.current = { ...this.current!, token };
      try {
        const report = await this.settle(board, token, o).catch((e) => {
          if (!o.signal?.aborted) throw e;
          throw new AppError(
            'timeout',
            `${reason} was cancelled while the installation was pausing; nothing was changed and maintenance is over`,
          );
        });
        return await fn(report);
      } finally {
        this.exit();
      }
    } finally {
      clearInterval(renew);
      await board.release(token).catch((e) => this.log?.warn({ err: e }, 'could not release maintenance'));
    }
  }

  /** Wait until every other live process acknowledged and no step runs (or cancel them). */
  private async settle(board: MaintenanceBoard, token: string, o: HoldOptions): Promise<HoldReport> {
    const { pollMs, drainMs } = this.timing();
    const deadline = Date.now() + drainMs;
    const step = Math.max(20, Math.floor(pollMs / 4));
    const staleMs = Math.max(5_000, 6 * pollMs);
    let peers = await board.peers(staleMs);
    for (;;) {
      const pending = peers.filter((p) => p.owner !== this.owner && p.ack_token !== token);
      if (!pending.length) break;
      const who = pending.map((p) => `${p.host}:${p.pid}`).join(', ');
      if (Date.now() > deadline)
        throw new AppError(
          'unavailable',
          `${pending.length} process(es) of the installation did not pause within ${drainMs} ms (${who}); ` +
            'nothing was changed; check they can reach the store, or stop them, and retry',
        );
      o.progress?.(`waiting for ${pending.length} process(es) to pause: ${who}`);
      await sleep(step, o.signal);
      peers = await board.peers(staleMs);
    }
    // a claim that was in flight when a process paused has committed by now (with no other
    // process, none was: an offline restore with the server stopped starts at once)
    if (peers.some((p) => p.owner !== this.owner)) await sleep(step, o.signal);
    let cancelled: string[] = [];
    if (o.cancelRunning) {
      cancelled = await board.flagRunning();
      await board.requestCancel(token);
      for (const l of this.cancelListeners) await l();
    }
    const drained = new Set<string>();
    for (;;) {
      const running = await board.running();
      if (!running.length) break;
      for (const r of running) if (!cancelled.includes(r.id)) drained.add(r.id);
      if (Date.now() > deadline)
        throw new AppError(
          'unavailable',
          `${running.length} workflow step(s) still running after ${drainMs} ms (${running.map((r) => r.id).join(', ')}); ` +
            'nothing was changed; retry when they end, or pass cancel_running to cancel them (they are recorded as cancelled)',
        );
      o.progress?.(`waiting for ${running.length} running step(s) to end`);
      if (o.cancelRunning) for (const l of this.cancelListeners) await l();
      await sleep(step, o.signal);
    }
    return {
      paused: peers.filter((p) => p.owner !== this.owner).map((p) => p.owner),
      drained: [...drained],
      cancelled,
    };
  }

  /**
   * Follow the installation's maintenance from the store, in a long-running process (serve,
   * worker): heartbeat, pause while another process holds it, acknowledge once no
   * state-changing call runs here any more. Returns the function that stops it.
   */
  watch(): () => Promise<void> {
    const board = this.board;
    if (!board) return async () => {};
    let stopped = false;
    let busy: Promise<void> | undefined;
    const tick = () => {
      if (stopped || busy) return;
      busy = this.follow(board)
        .catch((e) => this.log?.warn({ err: e }, 'could not read the installation maintenance'))
        .finally(() => {
          busy = undefined;
        });
    };
    tick();
    const timer = setInterval(tick, this.timing().pollMs);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await busy;
      await board.leave(this.owner).catch(() => {});
    };
  }

  private async follow(board: MaintenanceBoard): Promise<void> {
    const s: BoardState | undefined = await board.read();
    let ack: string | null = null;
    if (s && s.holder !== this.owner) {
      // a new maintenance may follow the last one between two reads: follow the new one
      if (!this.current || (this.current.role === 'follower' && this.current.token !== s.token)) {
        this.current = {
          reason: `${s.reason}, installation-wide from ${s.holder}`,
          since: new Date(s.since).toISOString(),
          role: 'follower',
          token: s.token,
        };
        this.emit();
      }
      if (this.current.token === s.token) {
        if (this.inflight === 0) ack = s.token;
        if (s.cancel_running) for (const l of this.cancelListeners) await l();
      }
    } else if (this.current?.role === 'follower') {
      this.exit();
    }
    await board.heartbeat(this.owner, ack);
  }

  private async quiet(drainMs: number): Promise<boolean> {
    if (this.inflight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((r) => this.idle.push(() => r(true))),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), drainMs))),
    ]);
    clearTimeout(timer);
    return drained;
  }

  private emit() {
    for (const l of this.listeners) l(this.current);
  }
}
