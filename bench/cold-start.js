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
// With --profile it prints instead where each side's CPU goes until its initialize answer (and
// the exit that follows).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The CPU profile (node --cpu-prof) of one cold start until its initialize answer. */
function profileOnce(args) {
  const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-prof-'));
  const env = {
    ...process.env,
    MAHAVISHNU_DATA__DIR: dir,
    MAHAVISHNU_CONFIG_DIR: dir,
    MAHAVISHNU_LOG__LEVEL: 'warn',
  };
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval', '250'];
  const [cmd, argv] = onCore(SERVER_CORE, process.execPath, [...flags, ...args]);
  const p = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'ignore'] });
  p.stdin.write(INIT);
  // the answer: end stdin, so the server stops and node writes the profile
  p.stdout.once('data', () => p.stdin.end());
  return new Promise((ok, fail) =>
    p.on('exit', () => {
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      const profile = file && JSON.parse(readFileSync(join(dir, file), 'utf8'));
      rmSync(dir, { recursive: true, force: true });
      profile ? ok(profile) : fail(new Error(`${args.join(' ')} wrote no profile`));
    }),
  );
}

const maps = new Map();
/** What a frame's code is: a package, a folder of src/, or a part of Node or V8. */
function category({ url, functionName, lineNumber, columnNumber }) {
  if (!url) return functionName === '(garbage collector)' ? 'GC' : 'native (V8, Node, idle)';
  if (url === 'node:vm' && functionName === 'Script') return 'vm.Script: reading the code cache, compiling';
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/bootstrap'))
    return "Node's module loaders";
  if (url.startsWith('node:')) return 'Node builtins (fs, streams, …)';
  let path = url.startsWith('file:') ? fileURLToPath(url) : url;
  if (path.includes('/dist/bundle/')) {
    // a bundle chunk: back to its source through the chunk's map
    if (!maps.has(path)) {
      try {
        maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
      } catch {
        maps.set(path, undefined);
      }
    }
    // a frame's position is where its function starts: a chunk's own top level (the bodies of
    // all its modules, run once) starts in the loader's wrapper, which maps to nothing
    const source = maps.get(path)?.findEntry(lineNumber, columnNumber)?.originalSource;
    if (!source) return 'bundle: chunk top levels (module bodies)';
    if (source.includes('/bundle-esm/')) return 'bundle: esbuild helpers';
    path = source;
  }
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg) return pkg.startsWith('@modelcontextprotocol/') ? 'the MCP SDK' : pkg;
  const src = /\/src\/([^/]+)\//.exec(path)?.[1];
  if (src) return `ours: src/${src}`;
  return path.includes('/bin/') ? 'ours: bin/ (the loader)' : path;
}

/** Self time (ms per run) by category over `runs` profiles of one side. */
async function breakdown(args, runs) {
  const ms = new Map();
  for (let r = 0; r < runs; r++) {
    const { nodes, samples, timeDeltas } = await profileOnce(args);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    samples.forEach((id, i) => {
      const k = category(byId.get(id).callFrame);
      ms.set(k, (ms.get(k) ?? 0) + (timeDeltas[i] ?? 0) / 1000 / runs);
    });
  }
  return ms;
}

if (process.argv.includes('--profile')) {
  console.log(`\nbench/cold-start.js --profile: ${machineNote()}`);
  await untilInitialize([BIN, 'mcp', 'start']);
  const ours = await breakdown([BIN, 'mcp', 'start'], RUNS);
  const sdk = await breakdown([SDK], RUNS);
  const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\nCPU from spawn to exit, stdin closed when the initialize answer came (mcp start then closes its store), self time by category (V8's sampling profiler: profiled time runs above real time), ms per run, mean of ${RUNS}\n`,
  );
  console.log(`${'category'.padEnd(48)} ${'mcp start'.padStart(10)} ${'SDK echo'.padStart(10)}`);
  const names = [...new Set([...ours.keys(), ...sdk.keys()])].sort(
    (a, b) => Math.max(ours.get(b) ?? 0, sdk.get(b) ?? 0) - Math.max(ours.get(a) ?? 0, sdk.get(a) ?? 0),
  );
  const cell = (m, k) => (m.has(k) ? m.get(k).toFixed(1) : '—').padStart(10);
  for (const k of names.slice(0, 16))
    console.log(`${k.slice(0, 48).padEnd(48)} ${cell(ours, k)} ${cell(sdk, k)}`);
  console.log(
    `${'all'.padEnd(48)} ${total(ours).toFixed(1).padStart(10)} ${total(sdk).toFixed(1).padStart(10)}`,
  );
  process.exit(0);
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
