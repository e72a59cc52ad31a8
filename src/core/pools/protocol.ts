/** Messages between a pool runtime and its worker processes (over the fork IPC channel). */

export interface RunMessage {
  type: 'run';
  stepId: string;
  argv: string[];
  cwd: string;
  /** The whole environment of the command: the allowlisted variables of the runtime's host plus set_env. */
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Epoch ms: past this, with no `lease` message extending it, the worker kills the step itself. */
  leaseUntil: number;
}

export type ToWorker =
  | RunMessage
  | { type: 'cancel'; stepId: string }
  /** The runtime renewed the step's lease: keep running until `until`. */
  | { type: 'lease'; stepId: string; until: number }
  /** The lease was lost (another holder has the step): kill every process of it now. */
  | { type: 'kill'; stepId: string; reason: string }
  | { type: 'stop' };

/** How a worker keeps a step's processes together: a PID namespace, or a process group. */
export type Isolation = 'pid-namespace' | 'process-group';

export type FromWorker =
  | { type: 'ready'; pid: number; isolation: Isolation }
  | { type: 'heartbeat'; stepId?: string | undefined }
  /** The command started, as the leader of its own process group (so the group can be killed). */
  | { type: 'started'; stepId: string; pid: number }
  | {
      type: 'done';
      stepId: string;
      exitCode: number | null;
      signal: string | null;
      timedOut: boolean;
      cancelled: boolean;
      output: string;
      /** The command could not be started (not found, not executable, bad cwd). */
      spawnError?: string | undefined;
      /** Killed because the lease ended (expired here, or taken by another holder): why. */
      leaseLost?: string | undefined;
    };

export const HEARTBEAT_MS = 1000;
