import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cli, cliAsync } from './helpers/cli.js';
import { SERVE_WITH_FIXTURES, type ServeProcess, spawnServe } from './helpers/serve.js';
import { bearer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

async function mcpClient(url: string, token: string) {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: { headers: bearer(token) },
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Start a slow call and resolve once the server reports its first progress (the call is running). */
function slowCall(client: Client, ms: number) {
  let running!: () => void;
  const started = new Promise<void>((r) => (running = r));
  // 100 steps: the first progress (the call is running) comes after ms/100, not a tenth of the call
  const done = client.callTool({ name: 'test_slow', arguments: { ms, steps: 100 } }, undefined, {
    onprogress: () => running(),
    timeout: 120_000,
  });
  return { started, done };
}

describe('`mahavishnu serve` as a process: the CLI remote path', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path);
  let s: ServeProcess;
  beforeAll(async () => {
    s = await spawnServe(env);
  });
  afterAll(async () => {
    await s?.stop();
    tmp.remove();
  });

  it('prints its listen address on stderr and answers the probes', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
  });

  it('runs CLI commands on the server with --server and MAHAVISHNU_TOKEN, as the token’s user', async () => {
    const token = s.adminToken();
    const r = await cliAsync(
      ['--server', s.url, 'auth', 'create-user', '--username', 'remote.user', '--role', 'viewer', '--json'],
      {
        ...env,
        MAHAVISHNU_TOKEN: token,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).user).toMatchObject({ username: 'remote.user' });
    // the audit record names the token's user and the api transport
    const audit = cli(['audit', 'list', '--json', '--limit', '2'], env);
    expect(audit.stdout).toContain('"principal": "root"');
    expect(audit.stdout).toContain('"transport": "api"');
  });

  it('mcp status reports version, uptime, tool count and components, exit 0; exit 3 without a token', async () => {
    const r = await cliAsync(['mcp', 'status', '--server', s.url, '--json'], {
      ...env,
      MAHAVISHNU_TOKEN: s.adminToken(),
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      ready: true,
      version: expect.any(String),
      uptime_s: expect.any(Number),
      overall: 'healthy',
      components: { state_store: { status: 'healthy' } },
      mcp: { server: 'mahavishnu', tools: expect.any(Number) },
    });
    expect(out.mcp.tools).toBeGreaterThan(3);
    const human = await cliAsync(['mcp', 'status', '--server', s.url], env);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain('ready:    yes');
    expect(human.stdout).toContain('MAHAVISHNU_TOKEN');
  });

  it('test --smoke passes every step with a token, and fails the MCP step without one', async () => {
    const ok = await cliAsync(['test', '--smoke', '--server', s.url], {
      ...env,
      MAHAVISHNU_TOKEN: s.adminToken(),
    });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('smoke test passed');
    expect(ok.stdout.match(/^ok {2}/gm)).toHaveLength(5);
    const bad = await cliAsync(['test', '--smoke', '--server', s.url, '--json'], env);
    expect(bad.code).toBe(7);
    const out = JSON.parse(bad.stdout);
    expect(out.ok).toBe(false);
    expect(out.steps.filter((x: { ok: boolean }) => !x.ok).map((x: { name: string }) => x.name)).toEqual([
      'MCP audit_verify',
    ]);
  });

  it('mcp status exits 7 when the server is down', async () => {
    const r = await cliAsync(['mcp', 'status', '--server', 'http://127.0.0.1:9'], env);
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('DOWN');
  });

  it('exits 3 (unauthenticated) without a token, and says how to get one', async () => {
    const r = await cliAsync(['--server', s.url, 'auth', 'list-users'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MAHAVISHNU_TOKEN');
  });

  it('exits 4 (forbidden) when the token’s user lacks the role', async () => {
    cli(['auth', 'create-user', '--username', 'weak', '--role', 'viewer'], env);
    const token = JSON.parse(cli(['auth', 'create-token', '--username', 'weak', '--json'], env).stdout).token;
    const r = await cliAsync(['--server', s.url, 'auth', 'list-users'], { ...env, MAHAVISHNU_TOKEN: token });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('needs role operator');
  });
});

describe('graceful shutdown', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path, { MAHAVISHNU_SERVER__SHUTDOWN_BUDGET_S: '60' });
  afterAll(() => tmp.remove());

  it('SIGTERM: /ready turns 503 at once, new sessions are refused, the call in flight finishes, exit 0', async () => {
    const s = await spawnServe(env, [], SERVE_WITH_FIXTURES);
    const token = s.adminToken();
    const client = await mcpClient(s.url, token);
    const call = slowCall(client, 1500);
    await call.started;
    s.proc.kill('SIGTERM');
    // the server keeps listening while it drains, so load balancers see it leave
    const ready = await waitFor('/ready to answer 503', async () => {
      const r = await fetch(`${s.url}/ready`);
      return r.status === 503 ? r : undefined;
    });
    expect(await ready.json()).toMatchObject({
      status: 'not_ready',
      reasons: [expect.stringContaining('draining')],
    });
    await expect(mcpClient(s.url, token)).rejects.toThrow();
    const result = await call.done;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ waited_ms: expect.any(Number) });
    expect(await s.exited).toBe(0);
  });

  it('a second SIGTERM exits at once without waiting for calls in flight', async () => {
    const s = await spawnServe(env, [], SERVE_WITH_FIXTURES);
    const client = await mcpClient(s.url, s.adminToken());
    const call = slowCall(client, 50_000);
    call.done.catch(() => {});
    await call.started;
    s.proc.kill('SIGTERM');
    // let the first signal be handled before the second arrives
    await waitFor(
      'the first SIGTERM to be handled',
      () => s.stderr().includes('draining') || s.proc.exitCode !== null,
      undefined,
      20,
    );
    s.proc.kill('SIGTERM');
    expect(await s.exited).toBe(1);
  });
});
