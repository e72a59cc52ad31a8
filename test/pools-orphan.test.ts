import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/runbook.js';

const WORKER = resolve(ROOT, 'dist/core/pools/worker-process.js');

/** Alive, and not a zombie (nothing reaps orphans on every machine). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^[ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, ''));
  } catch {
    return false;
  }
}

/**
 * A pool worker lives only as long as its runtime: when the runtime dies (kill -9 of serve or of
 * a worker host) the worker leaves too, even when that happened while it was still starting,
 * before it listened for the end of its channel.
 */
describe('a pool worker whose runtime is gone', () => {
  it('exits when the runtime died while the worker was starting', async () => {
    // the runtime forks the worker and dies at once: the channel ends during the worker's start
    const runtime = `const c = require('node:child_process').fork(${JSON.stringify(WORKER)}, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }); process.stdout.write(String(c.pid)); process.exit(0);`;
    const r = spawnSync(process.execPath, ['-e', runtime], { encoding: 'utf8' });
    const pid = Number(r.stdout);
    expect(pid, r.stderr).toBeGreaterThan(0);
    try {
      for (const end = Date.now() + 5_000; running(pid) && Date.now() < end; )
        await new Promise((ok) => setTimeout(ok, 50));
      expect(running(pid)).toBe(false);
    } finally {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
