// Cold start benchmark, against a baseline measured in the same run:
//   1. spawn → first MCP `initialize` answer over stdio: `mahavishnu mcp start` (a fresh data dir
//      each run, so migrations run too) vs the SDK's own minimal McpServer (bench/sdk-echo.js);
//   2. spawn → exit of `mahavishnu --help` vs `node -e 0` (the floor of any node process).
// Median of N runs each, the two sides alternating so machine drift hits both alike. Run after
// `npm run build`:  node bench/cold-start.js [--runs 15]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

/** ms from spawn to the first line on stdout answering initialize; the child is then killed. */
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
    const p = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
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
      const answer = JSON.parse(out.slice(0, out.indexOf('\n')));
      p.kill('SIGKILL');
      if (answer.id !== 1 || !answer.result) fail(new Error(`not an initialize answer: ${out}`));
      else ok(ms);
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
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Both sides RUNS times in turns (one warm-up each first, for the file system cache); medians. */
async function alternate(mine, base) {
  await mine();
  await base();
  const a = [];
  const b = [];
  for (let n = 0; n < RUNS; n++) {
    a.push(await mine());
    b.push(await base());
  }
  return [median(a), median(b)];
}

const rows = [];
const [mcp, sdk] = await alternate(
  () => untilInitialize([BIN, 'mcp', 'start']),
  () => untilInitialize([SDK]),
);
rows.push(['spawn → MCP initialize answer (stdio)', mcp, sdk, 0.5]);
const [help, bare] = await alternate(
  () => untilExit([BIN, '--help']),
  () => untilExit(['-e', '0']),
);
rows.push(['spawn → exit of `--help` (vs `node -e 0`)', help, bare, 0.3]);

console.log(
  `\nmedian of ${RUNS} runs per figure, the sides alternating; ratio = baseline ÷ ours, higher is better\n`,
);
console.log(`${'measure'.padEnd(44)} ${'mahavishnu'.padStart(10)} ${'baseline'.padStart(9)}  ratio   goal`);
let ok = true;
for (const [name, mine, base, goal] of rows) {
  const ratio = base / mine;
  if (ratio < goal) ok = false;
  console.log(
    `${name.padEnd(44)} ${`${mine.toFixed(0)} ms`.padStart(10)} ${`${base.toFixed(0)} ms`.padStart(9)}  ${ratio.toFixed(2)}×  ≥${goal}× ${ratio >= goal ? 'ok' : 'BELOW'}`,
  );
}
console.log(ok ? '\nall ratios meet their goals' : '\nsome ratios are below their goals');
