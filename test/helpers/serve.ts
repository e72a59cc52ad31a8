import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, childEnv } from './cli.js';

export interface Served {
  url: string;
  port: number;
  child: ChildProcess;
  stop: () => Promise<number | null>;
}

/**
 * A real `mahavishnu serve --port 0` on 127.0.0.1 with its own data dir; resolves with the URL it
 * prints on stderr once listening (or rejects with its stderr if it exits or stays silent 30 s).
 */
export function startServe(dataDir: string, extra: Record<string, string> = {}): Promise<Served> {
  mkdirSync(join(dataDir, 'settings'), { recursive: true });
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0'], {
    env: childEnv(dataDir, extra),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`mahavishnu serve did not report listening within 30 s:\n${stderr}`));
    }, 30_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        const url = m[1]!;
        resolve({ url, port: Number(new URL(url).port), child, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mahavishnu serve exited (${code}) before listening:\n${stderr}`));
    });
  });
}
