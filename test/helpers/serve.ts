import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIN, cli } from './cli.js';

export interface ServeProcess {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** An admin user and a token for it, minted through the CLI against the same store. */
  adminToken: () => string;
  stop: () => Promise<number | null>;
}

/** `mahavishnu serve` from dist/ plus the test_* fixtures (test code; no production flag serves them). */
export const SERVE_WITH_FIXTURES = [
  fileURLToPath(new URL('../fixtures/serve-with-fixtures.mjs', import.meta.url)),
];

/**
 * `mahavishnu serve --port 0` as a child process; resolves once it prints its address. `command`
 * is what runs instead of `bin/mahavishnu.js serve`, e.g. SERVE_WITH_FIXTURES.
 */
export function spawnServe(
  env: Record<string, string>,
  args: string[] = [],
  command: string[] = [BIN, 'serve'],
): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [...command, '--port', '0', ...args], { env, stdio: 'pipe' });
  let stderr = '';
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 20_000);
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m && timer) {
        clearTimeout(timer);
        let token: string | undefined;
        resolve({
          proc,
          url: m[1]!,
          stderr: () => stderr,
          exited,
          adminToken: () => {
            if (token) return token;
            cli(['auth', 'create-user', '--username', 'root', '--role', 'admin'], env);
            const r = cli(['auth', 'create-token', '--username', 'root', '--json'], env);
            token = JSON.parse(r.stdout).token as string;
            return token;
          },
          stop: async () => {
            if (proc.exitCode === null) proc.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
}
