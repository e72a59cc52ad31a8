// Server capacity over HTTP, measured from outside with wrk (bench/lib.js pins the server to core 0
// and wrk to core 1), each figure against a baseline from the same run, sides alternating, medians:
//   0. the load generator's own ceiling: wrk against a raw TCP server that answers every request
//      with canned bytes (bench/baselines.js trivial-http), for GET and for the MCP POST script;
//   1. GET /health requests/s, 50 connections: `mahavishnu serve` with every production
//      middleware vs a bare node:http server answering the same JSON;
//   2. MCP tools/call requests/s over Streamable HTTP (/mcp), 16 connections on one session, wrk
//      with bench/mcp-call.lua: `auth_list_users` (bearer token, policy, metrics, a store read) vs
//      the SDK's minimal McpServer with one echo tool;
//   3. the same over 2026-07-28 stateless requests (no session: each request carries its _meta
//      envelope), against the SDK's own stateless handler serving the same echo server.
// Run after `npm run build`:  node bench/http.js [--seconds 3] [--rounds 5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { alternate, arg, machineNote, measure, startServer, table } from './lib.js';

const BIN = resolve(import.meta.dirname, '../bin/mahavishnu.js');
const BASE = resolve(import.meta.dirname, 'baselines.js');
const LUA = resolve(import.meta.dirname, 'mcp-call.lua');
const SECONDS = arg('seconds', 3);
const ROUNDS = arg('rounds', 5);

/** One JSON-RPC POST to /mcp; the answer may come as JSON or as one SSE event. */
async function rpc(url, message, headers) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(message),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${url}: HTTP ${res.status}: ${text}`);
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  return { res, body: json ? JSON.parse(json) : undefined };
}

/** initialize + notifications/initialized; one checked tools/call; the env wrk's script reads. */
async function session(base, token, tool, args) {
  const url = `${base}/mcp`;
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  const init = await rpc(
    url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    },
    auth,
  );
  const sid = init.res.headers.get('mcp-session-id');
  const protocol = init.body.result.protocolVersion;
  const h = { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': protocol };
  await rpc(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h);
  const call = await rpc(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } },
    h,
  );
  if (!call.body?.result || call.body.result.isError)
    throw new Error(`${tool}: ${JSON.stringify(call.body)}`);
  return {
    url,
    env: {
      ...process.env,
      MCP_SESSION: sid,
      MCP_PROTOCOL: protocol,
      MCP_TOKEN: token ?? '',
      MCP_TOOL: tool,
      MCP_ARGS: JSON.stringify(args),
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-'));
const env = {
  ...process.env,
  MAHAVISHNU_DATA__DIR: dir,
  MAHAVISHNU_CONFIG_DIR: dir,
  MAHAVISHNU_LOG__LEVEL: 'info', // the production default: what a deployment logs, we log here
};
const stops = [];
let ok = true;
try {
  const cli = (...args) => execFileSync(process.execPath, [BIN, ...args], { env }).toString();
  cli('auth', 'create-user', '--username', 'bench.op', '--role', 'operator'); // auth_list_users needs operator
  const token = JSON.parse(cli('auth', 'create-token', '--username', 'bench.op', '--json')).token;

  console.log(`\nbench/http.js: ${machineNote()}`);
  const trivial = await startServer([BASE, 'trivial-http'], env);
  stops.push(trivial.stop);
  const mv = await startServer([BIN, 'serve', '--port', '0'], env);
  stops.push(mv.stop);
  const bare = await startServer([BASE, 'bare-http'], env);
  stops.push(bare.stop);
  const sdk = await startServer([BASE, 'sdk-http'], env);
  stops.push(sdk.stop);
  const sdkModern = await startServer([BASE, 'sdk-http-modern'], env);
  stops.push(sdkModern.stop);

  const get = (server, connections) => async () =>
    measure(server, `${server.url}/health`, { seconds: SECONDS, connections });
  for (const s of [mv, bare]) await get(s, 50)(); // warm-up (JIT)
  const [health, bareHealth, ceilingGet] = await alternate(
    ROUNDS,
    get(mv, 50),
    get(bare, 50),
    get(trivial, 50),
  );

  const tool = 'auth_list_users';
  const mine = await session(mv.url, token, tool, {});
  const theirs = await session(sdk.url, undefined, 'echo', { text: 'hi' });
  // 2026-07-28: one checked stateless call each (made now, before the keep-alive connections of
  // these setup requests time out), measured after the session rounds
  const stateless = async (url, token, tool, args) => {
    const env2 = { ...mine.env, MCP_SESSION: '', MCP_PROTOCOL: '2026-07-28', MCP_TOKEN: token ?? '' };
    const { body } = await rpc(
      `${url}/mcp`,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: tool,
          arguments: args,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      },
      {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': tool,
      },
    );
    if (!body?.result || body.result.isError)
      throw new Error(`${tool} (2026-07-28): ${JSON.stringify(body)}`);
    return { url: `${url}/mcp`, env: { ...env2, MCP_TOOL: tool, MCP_ARGS: JSON.stringify(args) } };
  };
  const mineModern = await stateless(mv.url, token, tool, {});
  const theirsModern = await stateless(sdkModern.url, undefined, 'echo', { text: 'hi' });
  const post = (server, s, connections) => async () =>
    measure(server, s.url, { seconds: SECONDS, connections, script: LUA, env: s.env });
  const ceilingSession = { url: `${trivial.url}/mcp`, env: { ...theirs.env } };
  await post(mv, mine, 16)(); // warm-up
  await post(sdk, theirs, 16)();
  const [call, sdkCall, ceilingPost] = await alternate(
    ROUNDS,
    post(mv, mine, 16),
    post(sdk, theirs, 16),
    post(trivial, ceilingSession, 16),
  );

  await post(mv, mineModern, 16)(); // warm-up
  await post(sdkModern, theirsModern, 16)();
  const [modernCall, sdkModernCall] = await alternate(
    ROUNDS,
    post(mv, mineModern, 16),
    post(sdkModern, theirsModern, 16),
  );

  ok = table(`wrk -t1, median (min–max) of ${ROUNDS} alternating rounds of ${SECONDS}s`, [
    ['load generator ceiling: GET, 50 conns (raw TCP canned)', ceilingGet.rps],
    ['load generator ceiling: MCP POST, 16 conns (canned)', ceilingPost.rps],
    ['GET /health req/s, 50 conns (vs bare node:http)', health.rps, bareHealth.rps, 0.85],
    ['  server CPU per request', health.cpuUs, bareHealth.cpuUs, 0.85, 'µs', false],
    [`tools/call /mcp req/s, 16 conns (${tool} vs SDK echo)`, call.rps, sdkCall.rps, 0.9],
    ['  server CPU per request', call.cpuUs, sdkCall.cpuUs, 0.9, 'µs', false],
    [`tools/call 2026-07-28 stateless, 16 conns (vs SDK echo)`, modernCall.rps, sdkModernCall.rps, 0.9],
    ['  server CPU per request', modernCall.cpuUs, sdkModernCall.cpuUs, 0.9, 'µs', false],
  ]);
} finally {
  for (const stop of stops) stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(ok ? '\nall ratios meet their goals' : '\nsome ratios are below their goals');
