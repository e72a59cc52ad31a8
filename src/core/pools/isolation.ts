/**
 * How a worker keeps every process of a step together, so cancel, timeout, lease loss and
 * `pool close --force` end all of them.
 *
 * - pid-namespace (Linux, root or user namespaces allowed): the command runs under
 *   `unshare --pid --fork --kill-child`; when the namespace's first process dies the kernel kills
 *   every process in it, `setsid` and daemonised children included, and SIGKILL to `unshare`
 *   takes its child down with it.
 * - process-group (the fallback): the command leads its own process group; the group gets
 *   SIGTERM, then SIGKILL after the grace. A child that leaves the group (`setsid`) survives.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Isolation } from './protocol.js';

/** SIGTERM to SIGKILL, for a command that handles SIGTERM. */
export const KILL_GRACE_MS = 2000;

export interface IsolationProbe {
  kind: Isolation;
  unshare?: string | undefined;
}

/** Probe once per worker: can this process start a PID namespace? */
export function probeIsolation(): IsolationProbe {
  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p));
  if (!unshare || process.platform !== 'linux') return { kind: 'process-group' };
  const r = spawnSync(unshare, ['--pid', '--fork', '--kill-child', '--', '/bin/true'], {
    stdio: 'ignore',
    timeout: 5000,
  });
  return r.status === 0 ? { kind: 'pid-namespace', unshare } : { kind: 'process-group' };
}

/** The command's executable as spawn would find it, or undefined (then spawn reports the error). */
function findExecutable(exe: string, cwd: string, env: Record<string, string>): string | undefined {
  const ok = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (exe.includes('/')) return ok(resolve(cwd, exe)) ? exe : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter))
    if (dir && isAbsolute(dir) && ok(join(dir, exe))) return exe;
  return undefined;
}

export interface Group {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after the grace (at once when SIGTERM cannot stop it). */
  stop(): void;
  /** SIGKILL to every process of the step. */
  kill(): void;
}

/** Start argv as a group of its own. Throws when spawn itself throws (bad arguments). */
export function startGroup(
  iso: IsolationProbe,
  argv: string[],
  opts: { cwd: string; env: Record<string, string> },
): Group {
  const [exe, ...args] = argv as [string, ...string[]];
  // an executable that cannot be found is started directly, so the error is spawn's own
  const wrap = iso.unshare && findExecutable(exe, opts.cwd, opts.env) !== undefined;
  const child = wrap
    ? spawn(iso.unshare!, ['--pid', '--fork', '--kill-child', '--', exe, ...args], spawnOpts(opts))
    : spawn(exe, args, spawnOpts(opts));
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {}
    }
  };
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    stop() {
      signal('SIGTERM');
      // the first process of a PID namespace ignores every signal it has no handler for, so a
      // plain command (sleep) would sit out the grace: SIGTERM would have ended it, so end it now
      if (wrap && !handlesSigterm(child.pid)) return signal('SIGKILL');
      setTimeout(() => alive() && signal('SIGKILL'), KILL_GRACE_MS).unref();
    },
    kill() {
      signal('SIGKILL');
    },
  };
}

function spawnOpts(opts: { cwd: string; env: Record<string, string> }) {
  return {
    cwd: opts.cwd,
    env: opts.env,
    shell: false,
    // its own process group, so a cancel or a dead worker stops everything it started
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
}

/** Whether the namespace's first process (unshare's child) has a SIGTERM handler. */
function handlesSigterm(unsharePid: number | undefined): boolean {
  if (!unsharePid) return false;
  try {
    const kids = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/);
    const init = kids[0];
    if (!init) return false;
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${init}/status`, 'utf8'));
    // bit 14 is signal 15 (SIGTERM)
    return m ? (BigInt(`0x${m[1]}`) & (1n << 14n)) !== 0n : false;
  } catch {
    return false;
  }
}
