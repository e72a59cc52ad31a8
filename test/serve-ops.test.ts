import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterServer } from './helpers/adapter-server.js';
import { childEnv, cli, cliAsync } from './helpers/cli.js';
import { freshDatabase } from './helpers/pg.js';
import { type TcpProxy, tcpProxy } from './helpers/proxy.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

/**
 * `mahavishnu serve` on PostgreSQL (behind a TCP proxy that can make it "go away"), with an HTTP
 * adapter: /ready follows the database, the runbook's live commands reach the server, and
 * SIGHUP reloads the settings whole or not at all.
 */
describe('`mahavishnu serve`: readiness, adapters, restart-database and reload', () => {
  const tmp = tempDir();
  const settingsDir = join(tmp.path, 'settings');
  let pg: Awaited<ReturnType<typeof freshDatabase>>;
  let proxy: TcpProxy;
  let adapter: Awaited<ReturnType<typeof adapterServer>>;
  let s: ServeProcess;
  let env: Record<string, string>;
  let remote: Record<string, string>;

  const settings = (extra = '') =>
    writeFileSync(
      join(settingsDir, 'mahavishnu.yaml'),
      `adapters:\n  flaky:\n    type: http\n    base_url: ${adapter.url}\n    cooldown_s: 1\n    failure_threshold: 1\n${extra}`,
    );
  const metrics = async () => (await fetch(`${s.url}/metrics`)).text();
  const createUser = (username: string) =>
    fetch(`${s.url}/api/v1/tools/auth_create_user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${remote.MAHAVISHNU_TOKEN}` },
      body: JSON.stringify({ username, role: 'viewer' }),
    });
  const run = (...args: string[]) => cliAsync(['--server', s.url, ...args, '--json'], remote);

  beforeAll(async () => {
    pg = await freshDatabase();
    proxy = await tcpProxy('127.0.0.1', Number(new URL(pg.url).port || 5432));
    adapter = await adapterServer();
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    mkdirSync(settingsDir, { recursive: true });
    settings();
    env = childEnv(tmp.path, {
      MAHAVISHNU_DATABASE__URL: url.toString(),
      MAHAVISHNU_DATABASE__CONNECT_TIMEOUT_S: '2',
    });
    s = await spawnServe(env);
    // minted straight on PostgreSQL: a synchronous CLI run would block this process, and with it the proxy
    const direct = { ...env, MAHAVISHNU_DATABASE__URL: pg.url };
    cli(['auth', 'create-user', '--username', 'root', '--role', 'admin'], direct);
    const token = JSON.parse(
      cli(['auth', 'create-token', '--username', 'root', '--json'], direct).stdout,
    ).token;
    remote = { ...env, MAHAVISHNU_TOKEN: token };
  });
  afterAll(async () => {
    await s?.stop();
    await adapter?.close();
    await proxy?.close();
    await pg?.drop();
    tmp.remove();
  });

  it('/ready goes 503 when PostgreSQL goes away and back to 200 when it returns; the process lives on', async () => {
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    await proxy.cut();
    await waitFor('/ready to answer 503', async () => (await fetch(`${s.url}/ready`)).status === 503);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const comps = await (await fetch(`${s.url}/health/components`)).text();
    expect(comps).toContain('state_store');
    const refused = await run('audit', 'list');
    expect(refused.code).toBe(7); // unavailable
    await proxy.restore();
    await waitFor('/ready to answer 200', async () => (await fetch(`${s.url}/ready`)).status === 200);
    expect(s.proc.exitCode).toBeNull();
  });

  it('serves the runbook live commands: adapter list, adapter restart, ecosystem restart-database', async () => {
    const list = await run('adapter', 'list');
    expect(list.code, list.stderr + list.stdout).toBe(0);
    expect(
      JSON.parse(list.stdout)
        .adapters.map((a: { name: string }) => a.name)
        .sort(),
    ).toEqual(['flaky', 'main']);
    const restart = await run('adapter', 'restart', 'flaky');
    expect(restart.code, restart.stderr).toBe(0);
    expect(JSON.parse(restart.stdout)).toMatchObject({ closed: true, state: 'closed' });
    const db = await run('ecosystem', 'restart-database');
    expect(db.code, db.stderr).toBe(0);
    expect(JSON.parse(db.stdout).components).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'state_store', status: 'healthy' })]),
    );
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    const m = await metrics();
    expect(m).toMatch(/mahavishnu_circuit_state\{adapter="flaky",state="closed"\} 1/);
    expect(m).toMatch(/mahavishnu_circuit_state\{adapter="main",state="closed"\} 1/);
  });

  it('config reload through the server, then SIGHUP: a bad file is refused whole, a good one applied', async () => {
    settings('log:\n  level: warn\n');
    const ok = await run('config', 'reload');
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ applied: true });

    settings('policy:\n  read_only: nope\n');
    s.proc.kill('SIGHUP');
    await waitFor('the refused reload in /metrics', async () =>
      /mahavishnu_config_last_reload_successful 0/.test(await metrics()),
    );
    // the running settings stay: a mutation is still accepted (asked over HTTP, since the CLI
    // itself refuses to start with the bad file)
    expect((await createUser('after.bad.reload')).status).toBe(200);

    settings('policy:\n  read_only: true\n');
    s.proc.kill('SIGHUP');
    await waitFor('the applied reload in /metrics', async () =>
      /mahavishnu_config_last_reload_successful 1/.test(await metrics()),
    );
    const refused = await createUser('after.good.reload');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('read-only');
    expect(s.proc.exitCode).toBeNull();
  });
});
