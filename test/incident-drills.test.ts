import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPools } from '../src/core/pools/start.js';
import { adapterServer } from './helpers/adapter-server.js';
import { backupSettings } from './helpers/backup.js';
import { childEnv, cliAsync } from './helpers/cli.js';
import { branch, hostSteps, named } from './helpers/drill.js';
import { type McpAgent, mcpOverHttp, promptFacts } from './helpers/mcp-client.js';
import { privatePostgres } from './helpers/private-pg.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

/**
 * Incident drills of the runbook driven only over MCP by a scripted agent: it reads the prompt,
 * takes the branch its facts show, makes the tool calls the prompt names, and checks the system is
 * healthy after. Five drills: circuit breaker open, pool exhausted, leaked token (one server,
 * approvals off: what is drilled there is not the approval), database down (a private PostgreSQL
 * stopped and started) and data corruption restored from a backup (approvals on, decided on the
 * host with `mahavishnu approve`, as the runbook does it).
 */
describe('incident drills, MCP only', () => {
  let srv: Awaited<ReturnType<typeof adapterServer>>;
  let t: TestServer;
  let agent: McpAgent;
  const tmp = tempDir();

  beforeAll(async () => {
    srv = await adapterServer();
    const dir = writeWorkflows(tmp.path, {
      slow: 'name: slow\ndescription: holds a worker\npool: prod\nsteps:\n  - name: nap\n    argv: [sleep, "1"]\n',
    });
    t = await startTestServer({
      // the drills are what is tested here; the human approval of destructive calls is
      // (test/approvals*.test.ts)
      approvals: { enabled: false },
      workflows: { dir },
      pools: { tick_ms: 100 },
      adapters: { llamaindex: { type: 'http', base_url: srv.url, cooldown_s: 300, failure_threshold: 2 } },
    });
    await startPools(t.core);
    agent = await mcpOverHttp(t.url, await t.tokenFor('admin', 'oncall'));
  });
  afterAll(async () => {
    await agent?.close();
    await t?.stop();
    await srv?.close();
    tmp.remove();
  });

  it('circuit breaker open: probe, restart once the adapter is back, every breaker closed', async () => {
    srv.set('fail');
    for (let i = 0; i < 2; i++) await t.core.adapters.call('llamaindex', { path: '/q' }).catch(() => {});
    const text = await agent.prompt('high-error-rate');
    const open = (promptFacts(text).breakers as Array<{ name: string; state: string }>).filter(
      (b) => b.state === 'open',
    );
    expect(open.map((b) => b.name)).toEqual(['llamaindex']);
    srv.set('ok'); // the adapter's owner fixed it
    for (const b of open) {
      expect(await agent.tool('adapter_probe', named(text, 'adapter_probe', { name: b.name }))).toMatchObject(
        {
          ok: true,
        },
      );
      expect(
        await agent.tool('adapter_restart', named(text, 'adapter_restart', { name: b.name })),
      ).toMatchObject({
        closed: true,
      });
    }
    const list = (await agent.tool('adapter_list')).adapters as Array<{ state: string }>;
    expect(list.every((a) => a.state === 'closed')).toBe(true);
  });

  it('pool exhausted: the prompt shows the queue over capacity, pool_scale +5 drains it', async () => {
    expect(
      await agent.tool('pool_spawn', { type: 'mahavishnu', name: 'prod', min: 1, max: 10, autoscale: false }),
    ).not.toHaveProperty('error');
    for (let i = 0; i < 8; i++) await agent.tool('workflow_run', { name: 'slow' });
    const text = await agent.prompt('performance-degradation');
    const pools = (
      promptFacts(text).pool_saturation as { pools: Record<string, { queue_depth: number; desired: number }> }
    ).pools;
    expect(pools.prod!.queue_depth).toBeGreaterThan(pools.prod!.desired);
    const scaled = await agent.tool('pool_scale', named(text, 'pool_scale', { pool: 'prod' }));
    expect(scaled).toMatchObject({ desired: 6 });
    await waitFor(
      'the queue to drain',
      async () => {
        const s = await agent.tool('pool_status', { pool: 'prod' });
        return s.queue_depth === 0 && s.running_steps === 0;
      },
      20_000,
    );
  });

  it('leaked token: rotate-secrets revokes the user’s tokens (plan first), the leaked one is refused', async () => {
    const leaked = await t.tokenFor('operator', 'mallory');
    const ok = await fetch(`${t.url}/api/v1/tools/pool_list`, {
      method: 'POST',
      headers: { ...bearer(leaked), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    const text = await agent.prompt('security-incident', {
      observed: 'token of mallory posted in a public channel',
    });
    const plan = await agent.tool(
      'security_rotate_secrets',
      named(text, 'security_rotate_secrets', { revoke_tokens: true, users: ['mallory'], dry_run: true }),
    );
    expect(JSON.stringify(plan)).toContain('mallory');
    const done = await agent.tool('security_rotate_secrets', { revoke_tokens: true, users: ['mallory'] });
    expect(done).not.toHaveProperty('error');
    const refused = await fetch(`${t.url}/api/v1/tools/pool_list`, {
      method: 'POST',
      headers: { ...bearer(leaked), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(await agent.tool('pool_list')).toHaveProperty('pools');
  });
});

describe('incident drill: database down, MCP only', () => {
  let pg: Awaited<ReturnType<typeof privatePostgres>>;
  let t: TestServer;
  let agent: McpAgent;

  beforeAll(async () => {
    pg = await privatePostgres();
    t = await startTestServer({ database: { url: pg.url } });
    agent = await mcpOverHttp(t.url, await t.tokenFor('operator', 'oncall'));
    expect(await agent.tool('pool_list')).toHaveProperty('pools');
  }, 60_000);
  afterAll(async () => {
    await agent?.close().catch(() => {});
    try {
      pg?.start();
    } catch {}
    await t?.stop();
    pg?.remove();
  });

  it('the outage prompt says the store is down; the host brings it back; restart-database; healthy', async () => {
    pg.stop(); // the incident
    const failed = await agent.tool('pool_list');
    expect(String(failed.error)).toMatch(/^unavailable/);

    // the agent: the prompt's facts decide the branch, and name where the next step is
    const text = await agent.prompt('outage', { observed: 'pool_list fails with unavailable' });
    const facts = promptFacts(text);
    const store = facts.state_store as { reachable: boolean; next_step: string };
    expect(store.reachable).toBe(false);
    expect(facts.pool_saturation).toHaveProperty('unavailable');
    const [, uri, title] = /(runbook:\/\/[a-z-]+), "([^"]+)"/.exec(store.next_step)!;
    const steps = branch(await agent.read(uri!), title!);

    // the steps a person on the host does: here, the person starts PostgreSQL again
    expect(hostSteps(steps)).toContain('sudo systemctl start postgresql');
    pg.start();
    const restarted = await agent.tool(
      'ecosystem_restart_database',
      named(steps, 'ecosystem_restart_database', {}),
    );
    expect(restarted.components).toContainEqual(
      expect.objectContaining({ name: 'state_store', status: 'healthy' }),
    );

    // healthy after: the store component, the readiness the prompt reads, and a store-backed call
    const health = JSON.parse(await agent.read('mahavishnu://health'));
    expect(health.components).toContainEqual(
      expect.objectContaining({ name: 'state_store', status: 'healthy' }),
    );
    expect(promptFacts(await agent.prompt('outage')).state_store).toMatchObject({ reachable: true });
    expect(await agent.tool('pool_list')).toHaveProperty('pools');
    expect((await fetch(`${t.url}/ready`)).status).toBe(200);
  });
});

describe('incident drill: data corruption restored from a backup, MCP only, approved on the host', () => {
  const tmp = tempDir();
  let t: TestServer;
  let agent: McpAgent;
  const runs: string[] = [];

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      hello:
        'name: hello\ndescription: says hello\npool: prod\nparams:\n  who: {default: world}\nsteps:\n  - name: greet\n    argv: [echo, hello, "{{who}}"]\n',
    });
    // approvals on (the default): the restore waits for a person
    t = await startTestServer({
      ...backupSettings(`${tmp.path}/backups`),
      workflows: { dir },
      pools: { tick_ms: 100 },
    });
    await startPools(t.core);
    agent = await mcpOverHttp(t.url, await t.tokenFor('admin', 'oncall'));
    // the state worth keeping: a pool, two runs, and the nightly backup, verified
    expect(
      await agent.tool('pool_spawn', { type: 'mahavishnu', name: 'prod', min: 1, max: 2 }),
    ).not.toHaveProperty('error');
    for (const who of ['ada', 'bob']) {
      const r = await agent.tool('workflow_run', { name: 'hello', params: { who } });
      expect(r).toHaveProperty('id');
      runs.push(String(r.id));
    }
    await waitFor('both runs to succeed', async () => {
      for (const id of runs) {
        if ((await agent.tool('workflow_status', { id })).state !== 'succeeded') return false;
      }
      return true;
    });
    const nightly = await agent.tool('backup_create', { type: 'full' });
    expect(await agent.tool('backup_verify', { backup_id: nightly.id })).toMatchObject({ ok: true });
  }, 60_000);
  afterAll(async () => {
    await agent?.close();
    await t?.stop();
    tmp.remove();
  });

  it('rows deleted and damaged; the prompt names the verified backup; restore approved by a person; data back', async () => {
    const [gone, damaged] = runs as [string, string];
    // the corruption, through the store: one run deleted with its steps, another's record damaged
    await t.core.db.query('DELETE FROM workflow_steps WHERE run_id = $1', [gone]);
    await t.core.db.query('DELETE FROM workflow_runs WHERE id = $1', [gone]);
    await t.core.db.query("UPDATE workflow_runs SET params = '{}', workflow = 'unknown' WHERE id = $1", [
      damaged,
    ]);
    expect(String((await agent.tool('workflow_status', { id: runs[0] })).error)).toMatch(/^not_found/);
    expect(await agent.tool('workflow_status', { id: runs[1] })).toMatchObject({
      workflow: 'unknown',
      params: {},
    });

    const text = await agent.prompt('data-corruption', {
      observed: `run ${runs[0]} is gone, ${runs[1]} is wrong`,
    });
    const backup = (promptFacts(text).backups as { newest_verified: { id: string; age_hours: number } })
      .newest_verified;
    expect(backup.age_hours).toBeLessThan(1);
    const dry = await agent.tool(
      'backup_restore',
      named(text, 'backup_restore', { backup_id: backup.id }, (i) => i.dry_run === true),
    );
    expect((dry.impact as { tables: unknown[] }).tables).toContainEqual(
      expect.objectContaining({ name: 'workflow_runs', live_rows: 1, archive_rows: 2 }),
    );

    // the destructive call: held for a person, with the plan
    const held = await agent.tool(
      'backup_restore',
      named(text, 'backup_restore', { backup_id: backup.id }, (i) => Object.keys(i).length === 1),
    );
    expect(String(held.error)).toMatch(/^approval_required/);
    const { approval_id } = held.details as { approval_id: string };

    // the person on the host: `mahavishnu approve <id>`, against the same state store
    expect(text).toMatch(/mahavishnu approval list {2}# host only — .*mahavishnu approve <approval_id>/);
    const host = await cliAsync(
      ['approve', approval_id, '--yes', '--json', '--config-dir', t.core.settings.dir!],
      childEnv(t.core.config.data.dir),
    );
    expect(host.code, host.stderr).toBe(0);
    expect(JSON.parse(host.stdout)).toMatchObject({ id: approval_id, state: 'approved' });

    const restored = await agent.tool(
      'backup_restore',
      named(text, 'backup_restore', { backup_id: backup.id, approval_id }, (i) => 'approval_id' in i),
    );
    expect(restored, JSON.stringify(restored)).toMatchObject({ backup_id: backup.id });
    expect(await agent.tool('audit_verify', named(text, 'audit_verify', {}))).toMatchObject({ ok: true });

    // healthy after, and the damaged data is back as it was
    await waitFor(
      'every component healthy',
      async () => JSON.parse(await agent.read('mahavishnu://health')).status === 'healthy',
    );
    for (const [i, who] of ['ada', 'bob'].entries())
      expect(await agent.tool('workflow_status', { id: runs[i] })).toMatchObject({
        state: 'succeeded',
        workflow: 'hello',
        params: { who },
      });
    const run = await agent.tool('workflow_run', { name: 'hello', params: { who: 'after' } });
    await waitFor(
      'a run after the restore to succeed',
      async () => (await agent.tool('workflow_status', { id: run.id })).state === 'succeeded',
    );
  });
});
