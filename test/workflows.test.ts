import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { startPools } from '../src/core/pools/start.js';
import type { AnyTool } from '../src/tools/define.js';
import { invoke } from '../src/tools/invoke.js';
import { poolClose } from '../src/tools/pool/close.js';
import { poolSpawn } from '../src/tools/pool/spawn.js';
import { workflowCancel } from '../src/tools/workflow/cancel.js';
import { workflowLogs } from '../src/tools/workflow/logs.js';
import { workflowRun } from '../src/tools/workflow/run.js';
import { workflowStatus } from '../src/tools/workflow/status.js';
import { admin, testCore } from './helpers/core.js';
import { pidsWith } from './helpers/procs.js';
import { done, planOf } from './helpers/results.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

const call = <T extends AnyTool>(core: Core, tool: T, input: unknown) =>
  invoke(tool, input, { core, principal: admin });

/** Workflows through a real pool: literal params, timeouts, cancellation that kills, the ad hoc allowlist. */
describe('workflows on a live pool', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  const pidFile = join(tmp.path, 'pid');

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      args: `
name: args
description: print the arguments it gets, as JSON
pool: wf
params:
  a: { type: string, description: first }
  b: { type: string, description: second }
steps:
  - name: show
    argv: [node, -e, "console.log(JSON.stringify(process.argv.slice(1)))", "{{a}}", "{{b}}"]
`,
      slow: `
name: slow
description: writes its pid, then sleeps long
pool: wf
params:
  file: { type: string, description: where to write the pid }
steps:
  - name: sleep
    argv: [node, -e, "require('fs').writeFileSync(process.argv[1], String(process.pid)); setTimeout(() => {}, 60000)", "{{file}}"]
  - name: never
    argv: [echo, never]
`,
      long: `
name: long
description: holds a worker
pool: tiny
steps:
  - name: sleep
    argv: [sleep, "30"]
`,
      hang: `
name: hang
description: outlives its timeout
pool: wf
steps:
  - name: sleep
    argv: [sleep, "30"]
    timeout_ms: 300
retries: 1
`,
    });
    ({ core, cleanup } = await testCore('sqlite', {
      workflows: { dir, adhoc_executables: ['echo'] },
      pools: { tick_ms: 100 },
    }));
    await startPools(core);
    await call(core, poolSpawn, { type: 'mahavishnu', name: 'wf', min: 2, max: 2, autoscale: false });
  });
  afterAll(async () => {
    await cleanup();
    tmp.remove();
  });

  /** workflow_status of one run (with an id it never returns the list of recent runs). */
  const status = async (id: string) => {
    const s = await call(core, workflowStatus, { id });
    if ('runs' in s) throw new Error('workflow_status with an id returned the list of runs');
    return s;
  };
  const ended = (id: string) =>
    waitFor(`run ${id} to end`, async () => {
      const s = await status(id);
      return ['succeeded', 'failed', 'cancelled'].includes(s.state) ? s : undefined;
    });

  it('passes a param like `; rm -rf /` or `$(id)` as one literal argument', async () => {
    const run = await call(core, workflowRun, {
      name: 'args',
      params: { a: '; rm -rf /', b: '$(id) `id` | cat' },
    });
    expect(['queued', 'running', 'succeeded']).toContain(run.state);
    expect((await ended(run.id)).state).toBe('succeeded');
    const logs = await call(core, workflowLogs, { id: run.id });
    expect(JSON.parse(logs.steps[0]!.output)).toEqual(['; rm -rf /', '$(id) `id` | cat']);
  });

  it('pauses while maintenance is active (a restore runs) and resumes when it ends', async () => {
    await core.maintenance.enter('test restore');
    let id = '';
    try {
      const input = workflowRun.input.parse({ name: 'args', params: { a: '1', b: '2' } });
      id = (await core.workflows.run(input, 'test')).id;
      await new Promise((r) => setTimeout(r, 600)); // several passes at tick_ms 100
      expect((await status(id)).state).toBe('queued');
    } finally {
      core.maintenance.exit();
    }
    expect((await ended(id)).state).toBe('succeeded');
  });

  it('an idempotency_key returns the run it created instead of a second one; the list shows pool and params', async () => {
    const input = { name: 'args', params: { a: 'x', b: 'y' }, idempotency_key: `retry-${Date.now()}` };
    const first = await call(core, workflowRun, input);
    const again = await call(core, workflowRun, input);
    expect(again.id).toBe(first.id);
    const other = await call(core, workflowRun, { ...input, idempotency_key: `${input.idempotency_key}-2` });
    expect(other.id).not.toBe(first.id);
    const listed = await call(core, workflowStatus, { limit: 5 });
    expect('runs' in listed && listed.runs.find((r) => r.id === first.id)).toMatchObject({
      pool_id: first.pool_id,
      params: { a: 'x', b: 'y' },
    });
  });

  it('refuses unknown or missing params, naming them', async () => {
    await expect(call(core, workflowRun, { name: 'args', params: { a: 'x' } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('--param b='),
    });
    await expect(
      call(core, workflowRun, { name: 'args', params: { a: 'x', b: 'y', c: 'z' } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('no param c'),
    });
  });

  it('cancel kills the running process and cancels the steps after it', async () => {
    const run = await call(core, workflowRun, { name: 'slow', params: { file: pidFile } });
    const pid = await waitFor('the pid file', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    });
    const out = done(await call(core, workflowCancel, { id: run.id }));
    expect(out.state).toBe('cancelled');
    expect(out.steps.map((s) => s.state)).toEqual(['cancelled', 'cancelled']);
    expect(pid).toBeGreaterThan(0);
    await waitFor('the process to be gone', () => pidsWith(pidFile).length === 0);
    // a finished run is left as it is
    const again = done(await call(core, workflowCancel, { id: run.id }));
    expect(again.finished_at).toBe(out.finished_at);
  });

  it('kills a step at its timeout and retries it up to the limit, then fails', async () => {
    const run = await call(core, workflowRun, { name: 'hang' });
    const s = await ended(run.id);
    expect(s.state).toBe('failed');
    expect(s.steps[0]).toMatchObject({ state: 'failed', attempts: 2, max_attempts: 2 });
    expect(s.steps[0]!.error).toContain('timed out after 300 ms');
    expect(await core.metrics.registry.metrics()).toMatch(
      /mahavishnu_step_failures_total\{pool="wf"\} [1-9]/,
    );
  });

  it('runs an ad hoc command only when its executable is allowed', async () => {
    const ok = await call(core, workflowRun, {
      command: ['echo', 'adhoc', '$HOME'],
      pool: 'wf',
    });
    expect((await ended(ok.id)).state).toBe('succeeded');
    const logs = await call(core, workflowLogs, { id: ok.id });
    expect(logs.steps[0]!.output).toBe('adhoc $HOME\n');
    await expect(
      call(core, workflowRun, { command: ['rm', '-rf', '/tmp/x'], pool: 'wf' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('workflows.adhoc_executables'),
    });
  });

  it('shows the pool in health and metrics', async () => {
    const comps = await core.health.components(true);
    expect(comps.find((c) => c.name === 'pool_wf')).toMatchObject({ status: 'healthy', critical: false });
    const text = await core.metrics.registry.metrics();
    expect(text).toContain('mahavishnu_pool_workers{pool="wf",state="idle"}');
    expect(text).toContain('mahavishnu_pool_queue_depth{pool="wf"} 0');
    expect(text).toContain('mahavishnu_active_workflows');
  });

  it('reports an exhausted pool (at max, all busy, queue not shrinking) as degraded', async () => {
    await call(core, poolSpawn, { name: 'tiny', min: 1, max: 1, autoscale: false });
    for (let i = 0; i < 3; i++) await call(core, workflowRun, { name: 'long' });
    const health = await waitFor('pool_tiny to be degraded', async () => {
      const c = (await core.health.components(true)).find((x) => x.name === 'pool_tiny');
      return c?.status === 'degraded' && c;
    });
    expect(health.message).toContain('pool exhausted');
    const closed = done(await call(core, poolClose, { pool: 'tiny', force: true }));
    expect(closed.state).toBe('closed');
  });

  it('closes with --force: running steps are killed and recorded cancelled', async () => {
    // a pool of its own: closing wf would take it from the tests that run after this one
    await call(core, poolSpawn, { name: 'closing', min: 1, max: 1, autoscale: false });
    const run = await call(core, workflowRun, {
      name: 'slow',
      pool: 'closing',
      params: { file: `${pidFile}2` },
    });
    await waitFor('the step to run', async () => (await status(run.id)).steps[0]!.state === 'running');
    const plan = planOf(await call(core, poolClose, { pool: 'closing', force: true, dry_run: true }));
    expect(plan.join('\n')).toContain('kill the 1 running step');
    const closed = done(await call(core, poolClose, { pool: 'closing', force: true }));
    expect(closed.state).toBe('closed');
    expect((await status(run.id)).state).toBe('cancelled');
  });
});
