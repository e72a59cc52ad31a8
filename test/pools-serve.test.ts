import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cli, cliAsync } from './helpers/cli.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { bearer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

const json = (r: { code: number; stdout: string; stderr: string }) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

/**
 * Pools through the real server: live CLI commands go to `mahavishnu serve`, MCP and the CLI see
 * the same pools, and a server killed with SIGKILL mid-run is replaced by one that restores the
 * pool and resolves every run it had in flight.
 */
describe('pools in `mahavishnu serve`', () => {
  const tmp = tempDir();
  let env: Record<string, string>;
  let s: ServeProcess;
  let remote: Record<string, string>;
  const server = () => ['--server', s.url];

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      hello: `
name: hello
description: greet
pool: prod
params:
  who: { type: string, description: whom }
steps:
  - name: greet
    argv: [echo, "{{who}}"]
`,
      nap: `
name: nap
description: a few seconds of work
pool: batch
steps:
  - name: nap
    argv: [sleep, "3"]
retries: 1
`,
    });
    env = childEnv(tmp.path, {
      MAHAVISHNU_WORKFLOWS__DIR: dir,
      MAHAVISHNU_POOLS__TICK_MS: '100',
      MAHAVISHNU_POOLS__DRAIN_TIMEOUT_MS: '1000',
      MAHAVISHNU_POOLS__LEASE_MS: '1500',
      // pools are what is tested here; approvals are (test/approvals*.test.ts)
      MAHAVISHNU_APPROVALS__ENABLED: 'false',
    });
    s = await spawnServe(env);
    remote = { ...env, MAHAVISHNU_TOKEN: s.adminToken() };
  });
  afterAll(async () => {
    await s?.stop();
    tmp.remove();
  });

  it('spawns, lists (CLI and MCP), runs, scales and closes a pool', async () => {
    const spawned = json(
      await cliAsync(
        [
          ...server(),
          'pool',
          'spawn',
          '--type',
          'mahavishnu',
          '--name',
          'prod',
          '--min',
          '2',
          '--max',
          '4',
          '--no-autoscale',
          '--json',
        ],
        remote,
      ),
    );
    expect(spawned).toMatchObject({ name: 'prod', desired: 2, workers: { idle: 2, total: 2 } });

    // the in-process CLI reads the same store
    expect(json(cli(['pool', 'list', '--json'], env)).pools[0]).toMatchObject({
      id: spawned.id,
      workers: { total: 2 },
    });

    const transport = new StreamableHTTPClientTransport(new URL('/mcp', s.url), {
      requestInit: { headers: bearer(remote.MAHAVISHNU_TOKEN!) },
    });
    const mcp = new Client({ name: 'test', version: '1.0.0' });
    await mcp.connect(transport);
    try {
      const listed = await mcp.callTool({ name: 'pool_list', arguments: {} });
      expect((listed.structuredContent as { pools: { id: string }[] }).pools[0]!.id).toBe(spawned.id);
      const scaled = await mcp.callTool({
        name: 'pool_scale',
        arguments: { pool: spawned.id, target: '+1' },
      });
      expect(scaled.structuredContent).toMatchObject({ desired: 3, workers: { total: 3 } });
    } finally {
      await mcp.close();
    }

    const run = json(cli(['workflow', 'run', 'hello', '--param', 'who=$(id); rm -rf /', '--json'], env));
    const done = await waitFor('the run to succeed', () => {
      const st = json(cli(['workflow', 'status', run.id, '--json'], env));
      return st.state === 'succeeded' && st;
    });
    expect(done.steps[0]).toMatchObject({ state: 'succeeded', argv: ['echo', '$(id); rm -rf /'] });
    expect(json(cli(['workflow', 'logs', run.id, '--json'], env)).steps[0].output).toBe('$(id); rm -rf /\n');

    const down = json(
      await cliAsync([...server(), 'pool', 'scale', 'prod', '--target', '-1', '--json'], remote),
    );
    expect(down.desired).toBe(2);
    const comps = await (await fetch(`${s.url}/health/components`)).text();
    expect(comps).toContain('pool_prod');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('mahavishnu_pool_workers{pool="prod",state="idle"}');
  });

  it('after a SIGKILL, a new server restores the pool and ends every in-flight run', async () => {
    // its own pool, so this test does not depend on what the one before left
    const batch = json(
      await cliAsync(
        [
          ...server(),
          'pool',
          'spawn',
          '--name',
          'batch',
          '--min',
          '2',
          '--max',
          '2',
          '--no-autoscale',
          '--json',
        ],
        remote,
      ),
    );
    expect(batch.workers.total).toBe(2);
    // queued at the same time (a CLI process can take seconds to start on a loaded machine)
    const runs = (
      await Promise.all([1, 2].map(() => cliAsync(['workflow', 'run', 'nap', '--json'], env)))
    ).map((r) => json(r).id as string);
    // polled through the server's action API: a CLI process per poll would be slower than the steps
    await waitFor('both naps to run', async () => {
      const states = await Promise.all(runs.map(async (id) => (await runStatus(id)).state));
      return states.every((st) => st === 'running');
    });
    s.proc.kill('SIGKILL');
    await s.exited;

    s = await spawnServe(env);
    for (const id of runs) {
      const st = await waitFor(`run ${id} to end`, async () => {
        const r = await runStatus(id);
        return ['succeeded', 'failed', 'cancelled'].includes(r.state) && r;
      });
      expect(st).toMatchObject({ state: 'succeeded', steps: [{ attempts: 2 }] });
    }
    await waitFor('the pool back at its desired size', () => {
      const p = json(cli(['pool', 'status', 'batch', '--json'], env));
      return p.workers.total === 2 && p.hosts === 1;
    });

    const closed = json(
      await cliAsync([...server(), 'pool', 'close', 'batch', '--json', '--yes'], {
        ...env,
        MAHAVISHNU_TOKEN: s.adminToken(),
      }),
    );
    expect(closed.state).toBe('closed');
  });

  /** A run's status from the running server (the one `s` is now). */
  async function runStatus(id: string): Promise<{ state: string; steps: unknown[] }> {
    const r = await fetch(`${s.url}/api/v1/tools/workflow_status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(s.adminToken()) },
      body: JSON.stringify({ id }),
    });
    const body = (await r.json()) as { ok: boolean; result: { state: string; steps: unknown[] } };
    if (!body.ok) throw new Error(JSON.stringify(body));
    return body.result;
  }
});
