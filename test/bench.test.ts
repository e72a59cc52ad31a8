import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/runbook.js';

const run = promisify(execFile);

/** One benchmark script at its shortest (it needs the build, as `npm run bench` does first). */
async function bench(file: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [resolve(ROOT, 'bench', file), ...args], {
    cwd: ROOT,
    timeout: 200_000,
  });
  return stdout;
}

/** A printed row: its figure, its baseline and a ratio with ×, each present. No figure is judged. */
const row = (name: string) =>
  new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\S+.*\\s[\\d.]+×`, 'm');

/**
 * The benchmarks run end to end and print every figure with its same-run baseline and the load
 * generator's own ceiling. They refuse a run in which any request failed (wrk's non-2xx and socket
 * errors, the Lua script's count of answers that are not tool results, the stdio client's check of
 * every answer), so these runs also show that what is measured is what was meant.
 */
// liveness bounds only: on a loaded two-core machine one short run took 14 s, another over 30 s
describe('npm run bench, at its shortest', { timeout: 240_000 }, () => {
  it('bench/http.js: the ceiling, /health vs bare node:http, tools/call over /mcp (session, stateless) vs the SDK', async () => {
    const out = await bench('http.js', '--seconds', '1', '--rounds', '1');
    expect(out).toMatch(/^load generator ceiling: GET/m);
    expect(out).toMatch(/^load generator ceiling: MCP POST/m);
    expect(out).toMatch(row('GET /health req/s, 50 conns (vs bare node:http)'));
    expect(out).toMatch(row('tools/call /mcp req/s, 16 conns (auth_list_users vs SDK echo)'));
    expect(out).toMatch(row('tools/call 2026-07-28 stateless, 16 conns (vs SDK echo)'));
    expect(out.match(/^ {2}server CPU per request .*×/gm)).toHaveLength(3);
  });

  it('bench/stdio.js: the client ceiling and tools/call over stdio with 16 in flight vs the SDK', async () => {
    const out = await bench('stdio.js', '--seconds', '1', '--rounds', '1');
    expect(out).toMatch(/16 in flight/);
    expect(out).toMatch(/^client ceiling \(canned answers\)\s+\d+/m);
    expect(out).toMatch(row('tools/call stdio (auth_list_users vs SDK echo)'));
    expect(out).toMatch(/^ {2}server CPU per call .*×/m);
  });

  it('bench/backup.js: backup create vs tar czf, restore (verify + safety backup + apply) vs tar xzf', async () => {
    const out = await bench('backup.js', '--mb', '4');
    expect(out).toMatch(row('backup create (vs tar czf of the database file)'));
    expect(out).toMatch(row('backup restore incl. verify + safety backup (vs tar xzf)'));
    expect(out).toMatch(row('`mahavishnu backup restore` start to exit (vs tar xzf)'));
    expect(out).toMatch(/^of the last restore: safety backup [\d.]+ s of [\d.]+ s/m);
  });

  it('bench/backup-pg.js: restore into PostgreSQL (COPY) with and without its safety backup vs psql \\copy', async () => {
    const out = await bench('backup-pg.js', '--mb', '4');
    expect(out).toMatch(row('restore, verify + safety backup (vs psql \\copy)'));
    expect(out).toMatch(row('restore, verify, no safety backup (vs psql \\copy)'));
    expect(out).toMatch(/^of the last rounds: restore [\d.]+ s with its safety backup \([\d.]+ s of it/m);
  });

  it('bench/cold-start.js: initialize vs the SDK, --help vs node -e 0, idle RSS of serve', async () => {
    const out = await bench('cold-start.js', '--runs', '1');
    expect(out).toMatch(row('spawn → MCP initialize answer, stdio (vs SDK echo)'));
    expect(out).toMatch(row('CPU used until that answer (vs SDK echo)'));
    expect(out).toMatch(row('spawn → exit of `--help` (vs `node -e 0`)'));
    expect(out).toMatch(/^idle RSS of `serve` \(goal ≤ 80 MB\)\s+\d+ MB/m);
  });

  it('bench/cold-start.js --profile: where each side’s CPU goes, by category', async () => {
    const out = await bench('cold-start.js', '--profile', '--runs', '1');
    expect(out).toMatch(/^zod\s+[\d.]+\s+[\d.]+$/m);
    expect(out).toMatch(/^all\s+[\d.]+\s+[\d.]+$/m);
  });
});
