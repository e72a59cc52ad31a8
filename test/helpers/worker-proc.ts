import { type ChildProcess, spawn } from 'node:child_process';
import { BIN } from './cli.js';

/** A `mahavishnu worker --pool NAME [flags]` child process; stderr is kept for failure messages. */
export function startWorker(
  pool: string,
  env: Record<string, string>,
  flags: string[] = [],
): ChildProcess & { log: () => string } {
  const p = spawn(process.execPath, [BIN, 'worker', '--pool', pool, ...flags], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr?.on('data', (d) => (err += d));
  return Object.assign(p, { log: () => err });
}

export async function stopWorker(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}
