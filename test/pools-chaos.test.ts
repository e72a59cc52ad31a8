import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import type { PoolRuntime, StepEvent } from '../src/core/pools/runtime.js';
import { startPools } from '../src/core/pools/start.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { allRunsEnded, stepStates, writeWorkflows } from './helpers/workflows.js';

const STEPS = 200;

/**
 * 200 one-step runs through a pool of real worker processes while a busy worker is killed with
 * SIGKILL and the pool is scaled up and then down (draining): every step ends exactly once in a
 * terminal state, none is lost, none is left running.
 */
describe('a pool under a worker kill and scaling', () => {
  let core: Core;
  let runtime: PoolRuntime;
  let cleanup: () => Promise<void>;
  const wfDir = tempDir();
  const events: StepEvent[] = [];

  beforeAll(async () => {
    const dir = writeWorkflows(wfDir.path, {
      tick: `
name: tick
description: a short step
pool: chaos
steps:
  - name: nap
    argv: [sleep, "0.02"]
retries: 3
timeout_ms: 10000
`,
      // the first attempt hangs (until killed); a retry ends at once
      slow: `
name: slow
description: a step that is killed mid-run
pool: chaos
params:
  marker: { type: string, description: file marking the first attempt }
steps:
  - name: hang-once
    argv: [node, -e, "const fs = require('fs'); const f = process.argv[1]; if (!fs.existsSync(f)) { fs.writeFileSync(f, ''); setTimeout(() => {}, 60000); }", "{{marker}}"]
retries: 3
`,
    });
    ({ core, cleanup } = await testCore('sqlite', { workflows: { dir }, pools: { tick_ms: 100 } }));
    runtime = await startPools(core);
    runtime.on('step', (e: StepEvent) => events.push(e));
  });
  afterAll(async () => {
    await cleanup();
    wfDir.remove();
  });

  it('ends every step exactly once, all succeeded', async () => {
    const pool = await core.pools.spawn({
      name: 'chaos',
      type: 'mahavishnu',
      min: 1,
      max: 8,
      autoscale: false,
    });
    expect(pool.workers.idle).toBe(1);
    await core.pools.scale('chaos', 3);
    const marker = join(wfDir.path, 'marker');
    const slow = await core.workflows.run(
      { name: 'slow', params: { marker }, timeout_ms: 1, retries: 0 },
      't',
    );
    for (let i = 1; i < STEPS; i++)
      await core.workflows.run({ name: 'tick', params: {}, timeout_ms: 1, retries: 0 }, 't');

    const terminal = () => events.filter((e) => e.result.state !== 'queued');
    // kill the worker that holds the slow step, mid-run
    const live = () => [...runtime.live.values()][0]!;
    const slowStep = `${slow.id}.0`;
    const busy = await waitFor(
      'the slow step to run',
      () => existsSync(marker) && [...live().workers.values()].find((w) => w.step?.id === slowStep),
    );
    const killedStep = busy.step!.id;
    process.kill(busy.pid!, 'SIGKILL');

    await waitFor('some progress', () => terminal().length >= 40);
    const up = await core.pools.scale('chaos', '+3');
    expect(up.desired).toBe(6);
    await waitFor('more progress', () => terminal().length >= 100);
    const down = await core.pools.scale('chaos', '-4');
    expect(down.desired).toBe(2);

    await waitFor('every run to end', () => allRunsEnded(core), 45_000);
    const states = await stepStates(core);
    expect(states).toEqual({ succeeded: STEPS });

    const ends = terminal().map((e) => e.step.id);
    expect(ends.length).toBe(STEPS);
    expect(new Set(ends).size).toBe(STEPS);

    // the killed worker's step was retried, not lost
    const [row] = await core.db.query<{ attempts: number; state: string }>(
      'SELECT attempts, state FROM workflow_steps WHERE id = $1',
      [killedStep],
    );
    expect(row).toMatchObject({ state: 'succeeded' });
    expect(Number(row!.attempts)).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.result.retried && e.step.id === killedStep)).toBe(true);

    // the pool drained down to its desired size, and the killed worker was replaced along the way
    await waitFor('drain to 2 workers', () => live().workers.size === 2);
    const metrics = await core.metrics.registry.metrics();
    expect(metrics).toContain('mahavishnu_step_retries_total{pool="chaos"} 1');
    expect(metrics).toMatch(/mahavishnu_step_duration_seconds_count\{pool="chaos",outcome="succeeded"\} 200/);
  }, 60_000); // it waits up to 45 s for every step to end, inside this timeout
});
