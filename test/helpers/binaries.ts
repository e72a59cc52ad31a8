import { type SpawnSyncOptions, spawnSync } from 'node:child_process';

/** The external checkers the suite runs, and how to get each (`.ci/run` installs them). */
const INSTALL = {
  promtool: 'apt-get install -y prometheus (Debian package prometheus; .ci/run installs it)',
  prometheus: 'apt-get install -y prometheus (Debian package prometheus; .ci/run installs it)',
  'systemd-analyze': 'apt-get install -y systemd (.ci/run installs it)',
} as const;
export type Binary = keyof typeof INSTALL;

/**
 * Fails (never skips) when a checker the suite needs is not installed: a machine without it must
 * not pass the checks it would have made. Call it in the test or hook that uses the binary.
 */
export function requireBinary(name: Binary): void {
  const r = spawnSync(name, ['--version'], { stdio: 'ignore' });
  if (r.error) throw new Error(`${name} is not installed, so its checks cannot run: ${INSTALL[name]}`);
}

/** Runs an installed checker synchronously (after requireBinary), as text. */
export function runBinary(name: Binary, args: string[], options: SpawnSyncOptions = {}) {
  requireBinary(name);
  return spawnSync(name, args, { encoding: 'utf8', ...options }) as ReturnType<typeof spawnSync> & {
    stdout: string;
    stderr: string;
  };
}
