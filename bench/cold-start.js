// Cold start benchmark, against a baseline measured in the same run:
//   1. spawn → first MCP `initialize` answer over stdio: `mahavishnu mcp start` (a fresh data dir
//      each run, so migrations run too) vs the SDK's own minimal McpServer (bench/sdk-echo.js);
//      beside the time, the CPU the child used until then (all its threads, from
//      /proc/<pid>/task/*/schedstat), which the neighbours on a shared machine move much less;
//   2. spawn → exit of `mahavishnu --help` vs `node -e 0` (the floor of any node process);
//   3. resident memory of an idle `mahavishnu serve` (1 s after it listens), against its goal.
// Every child runs on the server core (bench/lib.js). Median of N runs each, the sides
// alternating so machine drift hits both alike. Run after `npm run build`:
//   node bench/cold-start.js [--runs 15]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { alternate, machineNote, onCore, SERVER_CORE, startServer, table } from './lib.js';

const BIN = resolve(import.meta.dirname, '../bin/mahavishnu.js');
const SDK = resolve(import.meta.dirname, 'sdk-echo.js');
const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 15;

const INIT = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
})}\n`;

/** ms of CPU a process has had so far, all threads (first field of schedstat: ns on a CPU). */
function cpuMs(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {} // a thread that ended meanwhile
  }
  return ns / 1e6;
}

/**
 * { ms, cpu }: ms from spawn to the first line on stdout answering initialize, and the child's
 * CPU ms until then; the child is then killed.
 */
function untilInitialize(args) {
  const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-cold-'));
  const env = {
    ...process.env,
    MAHAVISHNU_DATA__DIR: dir,
    MAHAVISHNU_CONFIG_DIR: dir,
    MAHAVISHNU_LOG__LEVEL: 'warn',
  };
  return new Promise((ok, fail) => {
    const started = performance.now();
    const [cmd, argv] = onCore(SERVER_CORE, process.execPath, args);
    const p = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdin.write(INIT);
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      const ms = performance.now() - started;
      const cpu = cpuMs(p.pid);
      const answer = JSON.parse(out.slice(0, out.indexOf('\n')));
      p.kill('SIGKILL');
      if (answer.id !== 1 || !answer.result) fail(new Error(`not an initialize answer: ${out}`));
      else ok({ ms, cpu });
    });
    p.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (!out.includes('\n')) fail(new Error(`${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

/** ms from spawn to exit of a process that must exit 0. */
function untilExit(args) {
  return new Promise((ok, fail) => {
    const started = performance.now();
    const [cmd, argv] = onCore(SERVER_CORE, process.execPath, args);
    const p = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) =>
      code === 0
        ? ok(performance.now() - started)
        : fail(new Error(`${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

/** MB resident of an idle `serve` on a fresh data dir, 1 s after it listens. */
async function idleRss() {
  const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-rss-'));
  const env = { ...process.env, MAHAVISHNU_DATA__DIR: dir, MAHAVISHNU_CONFIG_DIR: dir };
  const s = await startServer([BIN, 'serve', '--port', '0'], env);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.pid}/status`, 'utf8'))[1];
    return Number(kb) / 1024;
  } finally {
    s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`\nbench/cold-start.js: ${machineNote()}`);
// one warm-up of each first, for the file system cache
await untilInitialize([BIN, 'mcp', 'start']);
await untilInitialize([SDK]);
await untilExit([BIN, '--help']);
const [mcp, sdk] = await alternate(
  RUNS,
  () => untilInitialize([BIN, 'mcp', 'start']),
  () => untilInitialize([SDK]),
);
const [help, bare] = await alternate(
  RUNS,
  () => untilExit([BIN, '--help']),
  () => untilExit(['-e', '0']),
);
const [rss] = await alternate(3, idleRss);
const ok = table(`median (min–max) of ${RUNS} alternating runs; ratio = baseline ÷ ours, higher is better`, [
  ['spawn → MCP initialize answer, stdio (vs SDK echo)', mcp.ms, sdk.ms, 1.0, 'ms', false],
  ['CPU used until that answer (vs SDK echo)', mcp.cpu, sdk.cpu, undefined, 'ms', false],
  ['spawn → exit of `--help` (vs `node -e 0`)', help, bare, 0.5, 'ms', false],
  ['idle RSS of `serve` (goal ≤ 80 MB)', rss, undefined, rss.median <= 80 ? 'ok' : 'ABOVE', 'MB'],
]);
console.log(ok && rss.median <= 80 ? '\nall goals met' : '\nsome goals are missed');
