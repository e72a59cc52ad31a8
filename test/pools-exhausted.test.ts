import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cliAsync } from './helpers/cli.js';
import { type McpAgent, mcpOverHttp } from './helpers/mcp-client.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

const json = (r: { code: number; stdout: string; stderr: string }) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

/**
 * The runbook's "worker pool exhausted" through a real server: the scale at max fails naming the
 * fix in each face's words, pool update raises (or lowers) the bound, and an emergency pool takes
 * the backlog with pool move-queue.
 */
describe('an exhausted pool in `mahavishnu serve`', () => {
  const tmp = tempDir();
  let env: Record<string, string>;
  let s: ServeProcess;
  let agent: McpAgent;
  const remote = (args: string[]) =>
    cliAsync(['--server', s.url, ...args], { ...env, MAHAVISHNU_TOKEN: s.adminToken() });

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      slow: `
name: slow
description: two seconds of work
pool: prod
params:
  n: { type: string, description: which }
steps:
  - name: work
    argv: [sleep, "2"]
retries: 0
`,
    });
    env = childEnv(tmp.path, {
      MAHAVISHNU_WORKFLOWS__DIR: dir,
      MAHAVISHNU_POOLS__TICK_MS: '100',
      MAHAVISHNU_POOLS__LEASE_MS: '3000',
      // what is tested is the pool tools; approvals have their own tests
      MAHAVISHNU_APPROVALS__ENABLED: 'false',
    });
    s = await spawnServe(env);
    agent = await mcpOverHttp(s.url, s.adminToken());
  });
  afterAll(async () => {
    await agent?.close();
    await s?.stop();
    tmp.remove();
  });

  it('fails the scale past max naming the fix per face, updates the bounds, and moves the backlog', async () => {
    json(
      await remote([
        'pool',
        'spawn',
        '--name',
        'prod',
        '--min',
        '2',
        '--max',
        '2',
        '--no-autoscale',
        '--json',
      ]),
    );
    const runs: string[] = [];
    // queued over MCP, quicker than a CLI process each
    for (let i = 0; i < 10; i++)
      runs.push((await agent.tool('workflow_run', { name: 'slow', params: { n: String(i) } })).id as string);
    const status = async () => json(await remote(['pool', 'status', 'prod', '--json']));
    await waitFor('both workers busy', async () => (await status()).workers.busy === 2);

    // the runbook's step at max: the CLI names its command, MCP names the tool call
    const cliScale = await remote(['pool', 'scale', 'prod', '--target', '+5']);
    expect(cliScale.code).toBe(2);
    expect(cliScale.stderr).toContain('raise the max first with `mahavishnu pool update prod --max 7`');
    expect(cliScale.stderr).not.toContain('pool_update');
    const mcpScale = await agent.tool('pool_scale', { pool: 'prod', target: '+5' });
    expect(mcpScale.error).toContain('raise the max first with `pool_update {"pool":"prod","max":7}`');
    expect(mcpScale.error).not.toContain('mahavishnu pool update');
    // the action API's error body, as MCP words it
    const http = await fetch(`${s.url}/api/v1/tools/pool_scale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.adminToken()}` },
      body: JSON.stringify({ pool: 'prod', target: '+5' }),
    });
    expect(http.status).toBe(400);
    expect(((await http.json()) as { error: { message: string } }).error.message).toContain(
      '`pool_update {"pool":"prod","max":7}`',
    );

    // a max below the size while both are busy: one drains after its step, nothing is lost
    const down = json(await remote(['pool', 'update', 'prod', '--max', '1', '--min', '1', '--json']));
    expect(down).toMatchObject({ min: 1, max: 1, desired: 1 });
    expect(down.changes).toContain('max 2 → 1');
    await waitFor('one worker left', async () => (await status()).workers.total === 1);

    // an emergency pool, and the backlog follows it
    json(
      await remote([
        'pool',
        'spawn',
        '--name',
        'emergency',
        '--min',
        '2',
        '--max',
        '2',
        '--no-autoscale',
        '--json',
      ]),
    );
    // more runs first: on a loaded machine the one worker left may have taken the rest by now
    for (let i = 10; i < 16; i++)
      runs.push((await agent.tool('workflow_run', { name: 'slow', params: { n: String(i) } })).id as string);
    const plan = json(
      await remote(['pool', 'move-queue', '--from', 'prod', '--to', 'emergency', '--dry-run', '--json']),
    );
    expect(plan.dry_run).toBe(true);
    const would: string[] = plan.impact.runs;
    expect(would.length).toBeGreaterThan(0);
    expect(plan.plan[0]).toMatch(/^move \d+ queued run\(s\) of pool prod to pool emergency/);
    const moved = json(
      await remote(['pool', 'move-queue', '--from', 'prod', '--to', 'emergency', '--yes', '--json']),
    );
    expect(moved.moved).toBeGreaterThan(0);
    expect(moved.left).toBe(0);
    const movedIds = moved.runs.map((r: { run_id: string }) => r.run_id);

    const ended = await waitFor(
      'every run to end',
      async () => {
        const list = json(await remote(['workflow', 'status', '--limit', '30', '--json'])).runs as {
          id: string;
          state: string;
          pool: string;
          params: Record<string, string>;
        }[];
        const mine = list.filter((r) => runs.includes(r.id));
        return mine.every((r) => ['succeeded', 'failed', 'cancelled'].includes(r.state)) && mine;
      },
      20_000,
    );
    // every run succeeded at its first attempt: the drain let busy steps finish, the move lost none
    expect(ended.map((r) => r.state)).toEqual(runs.map(() => 'succeeded'));
    for (const r of ended) expect(r.pool).toBe(movedIds.includes(r.id) ? 'emergency' : 'prod');
    expect(new Set(ended.map((r) => r.params.n)).size).toBe(16);
    for (const id of runs) {
      const st = (await agent.tool('workflow_status', { id })) as { steps: { attempts: number }[] };
      expect(st.steps[0]!.attempts).toBe(1);
    }
  }, 60_000);
});
