import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { childEnv } from './helpers/cli.js';
import { testCore } from './helpers/core.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

const BUDGET_S = 6;

/**
 * `serve` with steps running stops within its shutdown budget: /ready answers 503 from SIGTERM
 * on (before the port closes), and the steps the drain cut short go back to the queue with their
 * attempt not counted and a message that says why.
 */
describe('serve shutdown with steps running', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let s: ServeProcess | undefined;
  const tmp = tempDir();

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      long: `
name: long
description: outlasts any shutdown
pool: drain
steps:
  - name: sleep
    argv: [sleep, "120"]
`,
    });
    ({ core, cleanup } = await testCore('postgres', { workflows: { dir } }));
    await core.pools.store.create({ name: 'drain', type: 'mahavishnu', min: 2, max: 2, autoscale: false });
    s = await spawnServe(
      childEnv(tmp.path, {
        MAHAVISHNU_DATABASE__URL: core.config.database.url!,
        MAHAVISHNU_WORKFLOWS__DIR: dir,
        MAHAVISHNU_POOLS__TICK_MS: '100',
        MAHAVISHNU_SERVER__SHUTDOWN_BUDGET_S: String(BUDGET_S),
      }),
    );
  });
  afterAll(async () => {
    await s?.stop();
    await cleanup();
    tmp.remove();
  });

  it('answers 503 on /ready at once, exits within the budget, and re-queues the cut steps', async () => {
    const runs = [
      await core.workflows.run({ name: 'long', params: {}, timeout_ms: 1, retries: 0 }, 't'),
      await core.workflows.run({ name: 'long', params: {}, timeout_ms: 1, retries: 0 }, 't'),
    ];
    await waitFor('both steps to run', async () => {
      const rows = await core.db.query("SELECT id FROM workflow_steps WHERE state = 'running'");
      return rows.length === 2;
    });
    expect((await fetch(`${s!.url}/ready`)).status).toBe(200);
    const t0 = Date.now();
    s!.proc.kill('SIGTERM');
    // nothing is in flight, yet /ready says 503 before the port closes
    const ready = await waitFor('/ready to answer 503', async () => {
      const r = await fetch(`${s!.url}/ready`);
      return r.status === 503 && r;
    });
    expect(await ready.json()).toMatchObject({ status: 'not_ready' });
    const code = await s!.exited;
    const took = Date.now() - t0;
    expect(code, s!.stderr()).toBe(0);
    expect(took).toBeLessThan(BUDGET_S * 1000 + 1000); // the budget, plus the process's own exit
    for (const run of runs) {
      const st = await core.workflows.status(run.id);
      expect(st.steps[0]).toMatchObject({ state: 'queued', attempts: 0 });
      expect(st.steps[0]!.error).toMatch(/cut short by a clean shutdown .*attempt not counted/);
    }
  }, 40_000);
});
