import { spawn } from 'node:child_process';
import type { z } from 'zod';
import {
  type AdapterClient,
  AdapterFailure,
  type AdapterRequest,
  type AdapterResponse,
} from '../../core/adapters/adapter.js';

type Spec = { health: string[]; run?: string[] | undefined; timeout_ms: number };

/** Run argv with stdin; resolve with exit code and stdout, or reject when it cannot run or times out. */
function runCommand(
  argv: string[],
  stdin: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) =>
      reject(new AdapterFailure(`${cmd}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)),
    );
    child.on('close', (code, sig) => {
      if (sig) reject(new AdapterFailure(`${cmd} was stopped by ${sig} (timeout ${timeoutMs} ms)`));
      else resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** A command adapter: each call and probe is one short-lived process, so there is no connection to keep. */
export class CommandAdapterClient implements AdapterClient {
  constructor(
    private readonly name: string,
    private readonly spec: Spec,
  ) {}

  async call(req: z.output<typeof AdapterRequest>, signal: AbortSignal): Promise<AdapterResponse> {
    if (!this.spec.run) {
      throw new AdapterFailure(`adapter ${this.name} has no run command (adapters.${this.name}.run)`);
    }
    const r = await runCommand(
      [...this.spec.run, ...req.args],
      JSON.stringify(req.body ?? null),
      this.spec.timeout_ms,
      signal,
    );
    if (r.code !== 0) throw new AdapterFailure(`exited with ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
    let body: unknown = r.stdout;
    try {
      body = JSON.parse(r.stdout);
    } catch {}
    return { status: 0, body };
  }

  async probe(signal: AbortSignal): Promise<string> {
    const r = await runCommand(this.spec.health, '', this.spec.timeout_ms, signal);
    if (r.code !== 0) throw new AdapterFailure(`health command exited with ${r.code}`);
    return `health command exited 0`;
  }

  async reset(): Promise<void> {}
  async close(): Promise<void> {}
}
