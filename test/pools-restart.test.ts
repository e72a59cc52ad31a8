import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { childEnv } from './helpers/cli.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';
import { allRunsEnded, writeWorkflows } from './helpers/workflows.js';

/**
 * The process running a pool dies (SIGKILL) with steps in flight, and a new one starts on the
 * same embedded store: the pool is back at its desired size, every in-flight run is resumed
 * (retries left) or failed (none left), and a run that had finished is untouched.
 */
describe('restart recovery on the embedded store', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  let env: Record<string, string>;
  const procs: ReturnType<typeof startWorker>[] = [];

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      work: `
name: work
description: hangs on its first attempt, ends at once on a retry
pool: rp
params:
  marker: { type: string, description: file marking the first attempt }
steps:
  - name: hang-once
    argv: [node, -e, "const fs = require('fs'); const f = process.argv[1]; if (!fs.existsSync(f)) { fs.writeFileSync(f, ''); setTimeout(() => {}, 60000); }", "{{marker}}"]
`,
      quick: `
name: quick
description: ends at once
pool: rp
steps:
  - name: echo
    argv: [echo, done]
`,
    });
    const data = `${tmp.path}/data`;
    ({ core, cleanup } = await testCore('sqlite', { data: { dir: data }, workflows: { dir } }));
    env = childEnv(data, {
      MAHAVISHNU_POOLS__LEASE_MS: '1500',
      MAHAVISHNU_POOLS__TICK_MS: '100',
      MAHAVISHNU_POOLS__DRAIN_TIMEOUT_MS: '1000',
    });
    await core.pools.store.create({ name: 'rp', type: 'mahavishnu', min: 3, max: 3, autoscale: false });
  });
  afterAll(async () => {
    await Promise.all(procs.map(stopWorker));
    await cleanup();
    tmp.remove();
  });

  it('resumes or fails every in-flight run and restores the pool size', async () => {
    const first = startWorker('rp', env);
    procs.push(first);
    const quick = await core.workflows.run({ name: 'quick', params: {}, timeout_ms: 1, retries: 0 }, 't');
    const done = await waitFor('the quick run', async () => {
      const r = await core.workflows.runs.get(quick.id);
      return r.state === 'succeeded' ? r : undefined;
    });

    // the first two runs have a retry left, the third has none
    const runs = [];
    for (let i = 0; i < 3; i++)
      runs.push(
        await core.workflows.run(
          { name: 'work', params: { marker: `${tmp.path}/m${i}` }, timeout_ms: 1, retries: 0 },
          't',
        ),
      );
    await core.db.query('UPDATE workflow_steps SET max_attempts = 2 WHERE run_id IN ($1, $2)', [
      runs[0]!.id,
      runs[1]!.id,
    ]);
    // each first attempt has started its command (it wrote its marker) and hangs
    await waitFor('three steps running', () => [0, 1, 2].every((i) => existsSync(`${tmp.path}/m${i}`)));
    first.kill('SIGKILL');

    const second = startWorker('rp', env);
    procs.push(second);
    await waitFor('every run to end', () => allRunsEnded(core));
    const states = await Promise.all(runs.map(async (r) => (await core.workflows.status(r.id)).steps[0]!));
    expect(states[0]).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(states[1]).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(states[2]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(states[2]!.error).toContain('expired');
    expect((await core.workflows.runs.get(runs[2]!.id)).state).toBe('failed');

    // the finished run was not overwritten
    expect(await core.workflows.runs.get(quick.id)).toEqual(done);
    const running = await core.db.query(
      "SELECT id FROM workflow_steps WHERE state IN ('running', 'queued', 'pending')",
    );
    expect(running).toEqual([]);

    // the new process keeps the pool at its desired size
    await waitFor('three workers again', async () => {
      const s = await core.pools.status('rp');
      return s.members.some((m) => m.pid === second.pid && m.idle + m.busy === 3);
    });
  });
});
