import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { probeIsolation } from '../src/core/pools/isolation.js';
import { startPools } from '../src/core/pools/start.js';
import type { AnyTool } from '../src/tools/define.js';
import { invoke } from '../src/tools/invoke.js';
import { workflowCancel } from '../src/tools/workflow/cancel.js';
import { workflowLogs } from '../src/tools/workflow/logs.js';
import { workflowRun } from '../src/tools/workflow/run.js';
import { workflowStatus } from '../src/tools/workflow/status.js';
import { admin, testCore } from './helpers/core.js';
import { pidsWith } from './helpers/procs.js';
import { done } from './helpers/results.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

const call = <T extends AnyTool>(core: Core, tool: T, input: unknown) =>
  invoke(tool, input, { core, principal: admin });

/**
 * A step's processes live and die together: a cancelled step's `setsid` child that ignores
 * SIGTERM is gone too, a command that exits leaving a daemon on its stdout ends the step, every
 * attempt knows its run, step and attempt, and output the store cannot hold is made storable.
 */
describe('the processes of a step', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      stubborn: `
name: stubborn
description: starts a setsid child that ignores SIGTERM, then waits
pool: steps
params:
  mark: { type: string, description: unique text on the command lines }
steps:
  - name: hold
    argv: [sh, -c, "setsid sh -c 'trap \\"\\" TERM; sleep 300; echo \\"$0\\"' \\"$0\\" & trap '' TERM; sleep 300", "{{mark}}"]
`,
      daemon: `
name: daemon
description: exits at once, leaving a child that holds its stdout
pool: steps
params:
  mark: { type: string, description: unique text on the command lines }
steps:
  - name: leave
    argv: [sh, -c, "(sleep 300; echo \\"$0\\") & echo started", "{{mark}}"]
`,
      env: `
name: env
description: prints what it knows of its attempt, and a NUL byte
pool: steps
steps:
  - name: show
    argv: [node, -e, "process.stdout.write(['MAHAVISHNU_RUN_ID','MAHAVISHNU_STEP_ID','MAHAVISHNU_ATTEMPT'].map(k => process.env[k]).join(' ') + '\\\\u0000end')"]
`,
    });
    ({ core, cleanup } = await testCore('sqlite', { workflows: { dir }, pools: { tick_ms: 100 } }));
    await startPools(core);
    await core.pools.spawn({ name: 'steps', type: 'mahavishnu', min: 2, max: 2, autoscale: false });
  });
  afterAll(async () => {
    await cleanup();
    tmp.remove();
  });

  it('runs steps in a PID namespace on this machine', () => {
    // the CI machine is root on Linux: the fallback (a process group) is not what is tested here
    expect(probeIsolation().kind).toBe('pid-namespace');
  });

  it('cancel ends a setsid child that ignores SIGTERM, and the step is cancelled within 3 s', async () => {
    const mark = `stubborn-${Date.now()}`;
    const run = await call(core, workflowRun, { name: 'stubborn', params: { mark } });
    await waitFor('both processes to run', () => pidsWith(mark).length >= 3);
    const t0 = Date.now();
    const out = done(await call(core, workflowCancel, { id: run.id, wait_ms: 3000 }));
    expect(out.state).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(3000);
    await waitFor('no process of the step', () => pidsWith(mark).length === 0, 2000);
  });

  it('a command that exits leaving a child on its stdout ends the step at once, and the child goes', async () => {
    const mark = `daemon-${Date.now()}`;
    const run = await call(core, workflowRun, { name: 'daemon', params: { mark } });
    const end = await waitFor(
      'the run to end',
      async () => {
        const s = await call(core, workflowStatus, { id: run.id });
        return 'steps' in s && s.state !== 'queued' && s.state !== 'running' && s;
      },
      5000,
    );
    expect(end.state).toBe('succeeded');
    expect(pidsWith(mark)).toEqual([]);
  });

  it('gives every attempt its run, step and attempt, and stores output with a NUL byte', async () => {
    const run = await call(core, workflowRun, { name: 'env', params: {} });
    await waitFor('the run to end', async () => {
      const s = await call(core, workflowStatus, { id: run.id });
      return 'steps' in s && s.state === 'succeeded';
    });
    const logs = await call(core, workflowLogs, { id: run.id });
    expect(logs.steps[0]!.output).toBe(`${run.id} ${run.id}.0 1\uFFFDend`);
  });
});
