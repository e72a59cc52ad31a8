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
}

export type ToWorker = RunMessage | { type: 'cancel'; stepId: string } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; pid: number }
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
    };

export const HEARTBEAT_MS = 1000;
