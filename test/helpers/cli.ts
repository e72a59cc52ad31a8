import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/mahavishnu.js');

/** Environment for a child mahavishnu: its own data dir and settings folder, quiet logs. */
export function childEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  // biome-ignore lint/style/noProcessEnv: a child process inherits PATH and the like
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('MAHAVISHNU_')) env[k] = v;
  return {
    ...env,
    MAHAVISHNU_DATA__DIR: dataDir,
    MAHAVISHNU_CONFIG_DIR: `${dataDir}/settings`,
    MAHAVISHNU_LOG__LEVEL: 'warn',
    ...extra,
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: Record<string, string>, input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function cliAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
