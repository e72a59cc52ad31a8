// Server benchmark, each figure against a baseline measured in the same run, on loopback only:
//   1. GET /health requests/s: `mahavishnu serve` vs a bare node:http server answering the same JSON;
//   2. MCP tools/call round trips/s for a read-only tool, over stdio (`mahavishnu mcp start`) and
//      over Streamable HTTP (/mcp), vs the SDK's own minimal McpServer with one echo tool
//      (bench/sdk-echo.js).
// Servers run in child processes; this process is the client. Run after `npm run build`:
//   node bench/http.js [--seconds 2] [--rounds 3] [--connections 32]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const BIN = resolve(import.meta.dirname, '../bin/mahavishnu.js');
const SELF = resolve(import.meta.dirname, 'http.js');
const SDK_ECHO = resolve(import.meta.dirname, 'sdk-echo.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

const ROUNDS = arg('rounds', 3);

// ---- baselines, when this file runs as a child ------------------------------------------------
const role = process.argv[2];
if (role === 'bare-http') {
  const started = Date.now();
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      const body = JSON.stringify({
        status: 'ok',
        version: '0.1.0',
        uptime_s: Math.floor((Date.now() - started) / 1000),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () =>
    process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`),
  );
} else if (role === 'sdk-http') {
  const { makeEchoServer: make } = await import('./sdk-echo.js');
  const { StreamableHTTPServerTransport } = await import(
    '@modelcontextprotocol/sdk/server/streamableHttp.js'
  );
  const { randomUUID } = await import('node:crypto');
  const sessions = new Map();
  const server = createServer(async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let t = id && sessions.get(id);
    if (!t) {
      t = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => sessions.set(sid, t),
      });
      await make().connect(t);
    }
    await t.handleRequest(req, res);
  });
  server.listen(0, '127.0.0.1', () =>
    process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`),
  );
} else {
  await main();
}

// ---- the client side --------------------------------------------------------------------------
function child(args, env) {
  const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((ok, fail) => {
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) ok({ url: m[1], stop: () => p.kill('SIGKILL') });
    });
    p.on('exit', (c) => fail(new Error(`${args.join(' ')} exited ${c}: ${err}`)));
  });
}

/** GET url as fast as `connections` keep-alive sockets allow, for `seconds`; requests/s. */
async function hammer(url, seconds, connections) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const one = () =>
    new Promise((ok, fail) => {
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? ok() : fail(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', fail);
      req.end();
    });
  const worker = async () => {
    while (performance.now() < end) {
      await one();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return done / ((performance.now() - started) / 1000);
}

/** Sequential tools/call round trips for `seconds`; calls/s. */
async function roundTrips(client, name, args, seconds) {
  for (let i = 0; i < 50; i++) await client.callTool({ name, arguments: args }); // warm-up
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let n = 0;
  while (performance.now() < end) {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

/**
 * Both sides measured in turns, ROUNDS times, keeping each side's best: on a shared machine the
 * best of a few short runs is the least disturbed figure, and turns keep drift from favouring one.
 */
async function alternate(mine, base) {
  let a = 0;
  let b = 0;
  for (let i = 0; i < ROUNDS; i++) {
    a = Math.max(a, await mine());
    b = Math.max(b, await base());
  }
  return [a, b];
}

async function connect(transport) {
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(transport);
  return c;
}

async function main() {
  const seconds = arg('seconds', 2);
  const connections = arg('connections', 32);
  const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-'));
  const env = {
    ...process.env,
    MAHAVISHNU_DATA__DIR: dir,
    MAHAVISHNU_CONFIG_DIR: dir,
    MAHAVISHNU_LOG__LEVEL: 'warn',
  };
  const rows = [];
  const stops = [];
  try {
    execFileSync(process.execPath, [BIN, 'auth', 'create-user', '--username', 'bench', '--role', 'viewer'], {
      env,
    });
    // auth_list_users needs operator; the bench user reads only
    execFileSync(
      process.execPath,
      [BIN, 'auth', 'create-user', '--username', 'bench.op', '--role', 'operator'],
      { env },
    );
    const token = JSON.parse(
      execFileSync(process.execPath, [BIN, 'auth', 'create-token', '--username', 'bench.op', '--json'], {
        env,
      }).toString(),
    ).token;

    const mv = await child([BIN, 'serve', '--port', '0'], env);
    stops.push(mv.stop);
    const bare = await child([SELF, 'bare-http'], env);
    stops.push(bare.stop);
    await hammer(`${bare.url}/health`, 0.5, connections); // warm-up both
    await hammer(`${mv.url}/health`, 0.5, connections);
    const [mvRps, bareRps] = await alternate(
      () => hammer(`${mv.url}/health`, seconds, connections),
      () => hammer(`${bare.url}/health`, seconds, connections),
    );
    rows.push(['GET /health req/s', mvRps, bareRps, 0.8]);

    const tool = 'auth_list_users';
    const sdkHttp = await child([SELF, 'sdk-http'], env);
    stops.push(sdkHttp.stop);
    const bareHttpClient = await connect(new StreamableHTTPClientTransport(new URL(`${sdkHttp.url}/mcp`)));
    const mvHttpClient = await connect(
      new StreamableHTTPClientTransport(new URL(`${mv.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const [mvHttp, bareHttp] = await alternate(
      () => roundTrips(mvHttpClient, tool, {}, seconds),
      () => roundTrips(bareHttpClient, 'echo', { text: 'hi' }, seconds),
    );
    rows.push([`tools/call over /mcp (${tool} vs echo)`, mvHttp, bareHttp, 0.7]);
    await bareHttpClient.close();
    await mvHttpClient.close();

    const bareStdio = await connect(
      new StdioClientTransport({ command: process.execPath, args: [SDK_ECHO], env }),
    );
    const mvStdio = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', 'start'],
        env: {
          ...env,
          MAHAVISHNU_MCP__STDIO_PRINCIPAL__ROLE: 'operator',
          MAHAVISHNU_MCP__TEST_TOOLS: 'true',
        },
      }),
    );
    const [mvS, bareS] = await alternate(
      () => roundTrips(mvStdio, tool, {}, seconds),
      () => roundTrips(bareStdio, 'echo', { text: 'hi' }, seconds),
    );
    rows.push([`tools/call over stdio (${tool} vs echo)`, mvS, bareS, 0.7]);
    // the same path with a fixture that does no work: what invoke and the MCP glue cost alone
    const [mvF, bareF] = await alternate(
      () => roundTrips(mvStdio, 'test_simple_text', {}, seconds),
      () => roundTrips(bareStdio, 'echo', { text: 'hi' }, seconds),
    );
    rows.push(['tools/call over stdio (no-op fixture vs echo)', mvF, bareF, 0.7]);
    await bareStdio.close();
    await mvStdio.close();
  } finally {
    for (const stop of stops) stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (n) => n.toFixed(0).padStart(9);
  console.log(
    `\nloopback, best of ${ROUNDS} turns of ${seconds}s per figure, ${connections} connections for /health, sequential tool calls\n`,
  );
  console.log(`${'measure'.padEnd(46)} ${'mahavishnu'.padStart(10)} ${'baseline'.padStart(9)}  ratio   goal`);
  let ok = true;
  for (const [name, mine, base, goal] of rows) {
    const ratio = mine / base;
    if (ratio < goal) ok = false;
    console.log(
      `${name.padEnd(46)} ${fmt(mine)} ${fmt(base)}  ${ratio.toFixed(2)}×  ≥${goal}× ${ratio >= goal ? 'ok' : 'BELOW'}`,
    );
  }
  console.log(ok ? '\nall ratios meet their goals' : '\nsome ratios are below their goals');
}
