// MCP tools/call over stdio with 16 calls in flight, each figure against a baseline from the same
// run, sides alternating, medians. The server runs on core 0, this process (the client) on core 1
// (bench/lib.js). The client is the cheapest one that keeps N calls in flight: it writes JSON-RPC
// lines and reads the answers' ids with a regex, and its own ceiling is printed (against
// bench/baselines.js trivial-stdio, which answers each line with canned bytes).
//   1. `mahavishnu mcp start` calling `auth_list_users` (policy, metrics, a store read) vs the
//      SDK's minimal McpServer with one echo tool (bench/sdk-echo.js);
// Run after `npm run build`:  node bench/stdio.js [--seconds 3] [--rounds 5] [--inflight 16]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  alternate,
  arg,
  CLIENT_CORE,
  cpuSeconds,
  machineNote,
  onCore,
  PINNED,
  SERVER_CORE,
  table,
} from './lib.js';

const BIN = resolve(import.meta.dirname, '../bin/mahavishnu.js');
const BASE = resolve(import.meta.dirname, 'baselines.js');
const SDK = resolve(import.meta.dirname, 'sdk-echo.js');
const SECONDS = arg('seconds', 3);
const ROUNDS = arg('rounds', 5);
const INFLIGHT = arg('inflight', 16);

/** A stdio MCP server child, initialized; `calls(tool, args, seconds)` measures calls/s and the server's CPU µs per call. */
async function stdioServer(args, env) {
  const [cmd, argv] = onCore(SERVER_CORE, process.execPath, args);
  const p = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'ignore'] });
  p.stdout.setEncoding('utf8');
  let buf = '';
  let onLine = () => {};
  p.stdout.on('data', (d) => {
    buf += d;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  const exited = new Promise((_, fail) =>
    p.on('exit', (c) => fail(new Error(`${args.join(' ')} exited ${c}`))),
  );
  const one = (message) =>
    Promise.race([
      exited,
      new Promise((ok) => {
        onLine = (line) => ok(JSON.parse(line));
        p.stdin.write(`${JSON.stringify(message)}\n`);
      }),
    ]);
  const init = await one({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  if (!init.result) throw new Error(`initialize: ${JSON.stringify(init)}`);
  p.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);

  let id = 1;
  /** Keep INFLIGHT calls going for `seconds`; the writes of one read's worth of answers go out in one write. */
  const calls = (tool, toolArgs, seconds) =>
    Promise.race([
      exited,
      new Promise((ok, fail) => {
        const head = `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"${tool}","arguments":${JSON.stringify(toolArgs)}},"id":`;
        const end = performance.now() + seconds * 1000;
        const started = performance.now();
        const cpu = cpuSeconds(p.pid);
        let done = 0;
        let open = 0;
        let out = '';
        let flushing = false;
        const send = () => {
          out += `${head}${id++}}\n`;
          open++;
          if (!flushing) {
            flushing = true;
            queueMicrotask(() => {
              flushing = false;
              p.stdin.write(out);
              out = '';
            });
          }
        };
        onLine = (line) => {
          open--;
          if (!line.includes('"result"') || line.includes('"isError":true')) {
            onLine = () => {};
            return fail(new Error(`${tool}: ${line}`));
          }
          done++;
          if (performance.now() < end) send();
          else if (open === 0)
            ok({
              rps: done / ((performance.now() - started) / 1000),
              cpuUs: ((cpuSeconds(p.pid) - cpu) * 1e6) / done,
            });
        };
        for (let i = 0; i < INFLIGHT; i++) send();
      }),
    ]);
  return { calls, stop: () => p.kill('SIGKILL') };
}

const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-'));
const env = {
  ...process.env,
  MAHAVISHNU_DATA__DIR: dir,
  MAHAVISHNU_CONFIG_DIR: dir,
  MAHAVISHNU_LOG__LEVEL: 'info',
};
const stops = [];
let ok = true;
try {
  if (PINNED && !process.env.BENCH_PINNED) {
    // this process is the client: run it again on the client core
    const [cmd, argv] = onCore(CLIENT_CORE, process.execPath, process.argv.slice(1));
    const r = spawn(cmd, argv, { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
    process.exitCode = await new Promise((res) => r.on('exit', (c) => res(c ?? 1)));
  } else {
    console.log(`\nbench/stdio.js: ${machineNote()}`);
    const trivial = await stdioServer([BASE, 'trivial-stdio'], env);
    const sdk = await stdioServer([SDK], env);
    const mv = await stdioServer([BIN, 'mcp', 'start'], {
      ...env,
      MAHAVISHNU_MCP__STDIO_PRINCIPAL__ROLE: 'operator',
    });
    stops.push(trivial.stop, sdk.stop, mv.stop);
    const tool = 'auth_list_users';
    const echo = () => sdk.calls('echo', { text: 'hi' }, SECONDS);
    await mv.calls(tool, {}, 1); // warm-up (JIT)
    await echo();
    const [ceiling, call, base] = await alternate(
      ROUNDS,
      () => trivial.calls('echo', {}, SECONDS),
      () => mv.calls(tool, {}, SECONDS),
      echo,
    );
    ok = table(
      `calls/s over stdio, ${INFLIGHT} in flight, median (min–max) of ${ROUNDS} alternating rounds of ${SECONDS}s`,
      [
        ['client ceiling (canned answers)', ceiling.rps],
        [`tools/call stdio (${tool} vs SDK echo)`, call.rps, base.rps, 0.8],
        ['  server CPU per call', call.cpuUs, base.cpuUs, 0.8, 'µs', false],
      ],
    );
    console.log(ok ? '\nall ratios meet their goals' : '\nsome ratios are below their goals');
  }
} finally {
  for (const stop of stops) stop();
  rmSync(dir, { recursive: true, force: true });
}
