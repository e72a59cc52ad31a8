import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envSubset } from '../config/load.js';
import type { StepRow } from '../workflows/runs.js';
import type { FromWorker, Isolation, ToWorker } from './protocol.js';

export type WorkerState = 'starting' | 'idle' | 'busy' | 'draining';

/**
 * The compiled worker entry. Under dist/core/pools/ it sits beside this file; from the bundle
 * (dist/bundle/, scripts/bundle.mjs) it is in ../core/pools/; when this module runs from source
 * (tests), the build output is used, so `npm run build` must have run.
 */
export function workerEntry(): string {
  for (const candidate of ['./worker-process.js', '../core/pools/worker-process.js']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../../../dist/core/pools/worker-process.js', import.meta.url));
}

/** One worker OS process as its runtime sees it. */
export class WorkerHandle {
  readonly id = `w-${randomBytes(4).toString('hex')}`;
  readonly child: ChildProcess;
  state: WorkerState = 'starting';
  /** The step in hand (set from the claim until its result is recorded). */
  step: StepRow | undefined;
  /** Process group of the command running the step (killed if this worker dies first). */
  commandPid: number | undefined;
  /** When the step in hand was claimed (a renewal begun before it cannot have seen it). */
  claimedAt = 0;
  /** The step's lease was found lost; its processes were told to die. */
  leaseLost = false;
  /** Shutdown cut the step short: it goes back to the queue, attempt not counted. */
  cutByShutdown = false;
  /** How this worker keeps a step's processes together, as it reported when ready. */
  isolation: Isolation | undefined;
  /** A claim is in flight for this worker. */
  claiming = false;
  /** Asked to exit after its current step (scale down, close, shutdown). */
  stopping = false;
  exited = false;
  lastBeat = Date.now();
  readonly ready: Promise<void>;

  constructor(
    readonly poolId: string,
    onMessage: (w: WorkerHandle, m: FromWorker) => void,
    onExit: (w: WorkerHandle, code: number | null, signal: string | null) => void,
  ) {
    this.child = fork(workerEntry(), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: {} });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', () => reject(new Error('worker exited before it was ready')));
      this.child.on('message', (m: FromWorker) => {
        this.lastBeat = Date.now();
        if (m.type === 'ready') {
          this.isolation = m.isolation;
          if (this.state === 'starting') this.state = 'idle';
          resolve();
        }
        onMessage(this, m);
      });
    });
    this.ready.catch(() => {});
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      onExit(this, code, signal);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: ToWorker): boolean {
    if (this.exited || !this.child.connected) return false;
    try {
      this.child.send(m);
      return true;
    } catch {
      return false;
    }
  }

  /** Hand a claimed step to the worker process; false when it is gone. */
  run(step: StepRow, maxOutputBytes: number, leaseUntil: number, claimedAt: number): boolean {
    this.step = step;
    this.state = 'busy';
    this.claimedAt = claimedAt;
    this.leaseLost = false;
    return this.send({
      type: 'run',
      stepId: step.id,
      argv: JSON.parse(step.argv) as string[],
      cwd: step.cwd,
      // the allowlisted variables of this host, then the workflow's fixed ones, then which attempt
      // of which step this is (steps run at least once: commands use these to be idempotent)
      env: {
        ...envSubset(JSON.parse(step.env_allow) as string[]),
        ...(JSON.parse(step.env_set) as Record<string, string>),
        MAHAVISHNU_RUN_ID: step.run_id,
        MAHAVISHNU_STEP_ID: step.id,
        MAHAVISHNU_ATTEMPT: String(step.attempts),
      },
      timeoutMs: step.timeout_ms,
      maxOutputBytes,
      leaseUntil,
    });
  }

  /** Drain: exit after the current step (at once when idle). */
  stop(): void {
    this.stopping = true;
    if (this.state !== 'busy') this.state = 'draining';
    this.send({ type: 'stop' });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
