import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { childEnv } from './helpers/cli.js';
import { testCore } from './helpers/core.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';
import { allRunsEnded, stepStates, writeWorkflows } from './helpers/workflows.js';

const RUNS = 300;
const LEASE_MS = 2000;

/**
 * Two `serve` replicas and one `worker` host on one PostgreSQL run 300 runs while one replica is
 * paused with SIGSTOP past its lease and resumed, the other is SIGKILLed and restarted, and the
 * pool is scaled. Every run ends, none is lost or stuck, and — counted from a file each attempt
 * appends to while it runs — no step has two copies running once the paused host has resumed.
 */
describe('pools on three hosts under a pause, a kill and scaling', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  const file = join(tmp.path, 'executions.log');
  const serves: ServeProcess[] = [];
  let worker: ReturnType<typeof startWorker> | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      beat: `
name: beat
description: appends "step attempt time" three times, 0.1 s apart
pool: chaos
steps:
  - name: beat
    argv: [sh, -c, "for i in 1 2 3; do echo \\"$MAHAVISHNU_STEP_ID $MAHAVISHNU_ATTEMPT $(date +%s%3N)\\" >> \\"$0\\"; sleep 0.1; done", "${file}"]
retries: 5
`,
      // longer than the pause: a copy that kept running through it would overlap the retry
      hold: `
name: hold
description: appends "step attempt time" twenty times, 0.3 s apart
pool: chaos
steps:
  - name: hold
    argv: [sh, -c, "for i in $(seq 20); do echo \\"$MAHAVISHNU_STEP_ID $MAHAVISHNU_ATTEMPT $(date +%s%3N)\\" >> \\"$0\\"; sleep 0.3; done", "${file}"]
retries: 5
`,
    });
    ({ core, cleanup } = await testCore('postgres', { workflows: { dir } }));
    await core.pools.store.create({ name: 'chaos', type: 'mahavishnu', min: 3, max: 8, autoscale: false });
    env = childEnv(tmp.path, {
      MAHAVISHNU_DATABASE__URL: core.config.database.url!,
      MAHAVISHNU_WORKFLOWS__DIR: dir,
      MAHAVISHNU_POOLS__LEASE_MS: String(LEASE_MS),
      MAHAVISHNU_POOLS__TICK_MS: '100',
      MAHAVISHNU_SERVER__SHUTDOWN_BUDGET_S: '3',
    });
    serves.push(await spawnServe(env), await spawnServe(env));
    worker = startWorker('chaos', env);
  });
  afterAll(async () => {
    for (const s of serves) {
      s.proc.kill('SIGCONT');
      await s.stop();
    }
    if (worker) await stopWorker(worker);
    await cleanup();
    tmp.remove();
  });

  const ended = async () =>
    Number(
      (
        await core.db.query<{ c: number }>(
          "SELECT COUNT(*) AS c FROM workflow_runs WHERE state IN ('succeeded', 'failed', 'cancelled')",
        )
      )[0]!.c,
    );

  it('ends every run, loses none, and never runs two copies of a step after the pause', async () => {
    await waitFor('three hosts with a slot each', async () => {
      const st = await core.pools.status('chaos');
      return st.hosts === 3 && st.members.every((m) => m.slots === 1 && m.idle === 1);
    });
    // three long runs first, one per host
    const holds = [];
    for (let i = 0; i < 3; i++)
      holds.push(await core.workflows.run({ name: 'hold', params: {}, timeout_ms: 1, retries: 0 }, 't'));
    // pause a replica while it runs a long step; the other one is killed later
    const [held, a, b] = await waitFor('a replica to run a long step', async () => {
      const rows = await core.db.query<{ id: string; lease_owner: string }>(
        "SELECT id, lease_owner FROM workflow_steps WHERE state = 'running' AND name = 'hold'",
      );
      for (const r of rows) {
        const i = serves.findIndex((x) => r.lease_owner.includes(`:${x.proc.pid}:`));
        if (i >= 0) return [r.id, serves[i]!, serves[1 - i]!] as const;
      }
      return undefined;
    });
    a.proc.kill('SIGSTOP');
    const stoppedAt = Date.now();
    // the short runs are queued during the pause (on a loaded machine queueing 300 takes longer
    // than a long step runs, so they come after the pause has begun, not before)
    for (let i = 0; i < RUNS; i++)
      await core.workflows.run({ name: 'beat', params: {}, timeout_ms: 1, retries: 0 }, 't');
    const pause = 2 * LEASE_MS - (Date.now() - stoppedAt);
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    const resumedAt = Date.now();
    a.proc.kill('SIGCONT');

    await waitFor('more progress', async () => (await ended()) >= 100);
    b.proc.kill('SIGKILL');
    await b.exited;
    serves.push(await spawnServe(env));
    await core.pools.scale('chaos', 6);

    await waitFor('every run to end', () => allRunsEnded(core), 50_000, 250);
    expect(await stepStates(core)).toEqual({ succeeded: RUNS + holds.length });

    // the executions, from the file: each attempt's first and last beat
    const spans = new Map<string, Map<string, [number, number]>>();
    for (const line of existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []) {
      const [step, attempt, at] = line.split(' ') as [string, string, string];
      const byAttempt = spans.get(step) ?? new Map<string, [number, number]>();
      const t = Number(at);
      const span = byAttempt.get(attempt) ?? [t, t];
      byAttempt.set(attempt, [Math.min(span[0], t), Math.max(span[1], t)]);
      spans.set(step, byAttempt);
    }
    expect(spans.size).toBe(RUNS + holds.length);
    // the step the paused replica held ran again elsewhere while it was paused
    expect(spans.get(held)!.size).toBeGreaterThanOrEqual(2);
    // two attempts of one step overlapping after the paused host resumed (plus one heartbeat)
    const twice: string[] = [];
    for (const [step, byAttempt] of spans) {
      const list = [...byAttempt.values()];
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) {
          const from = Math.max(list[i]![0], list[j]![0]);
          const to = Math.min(list[i]![1], list[j]![1]);
          if (from <= to && to > resumedAt + 1000) twice.push(step);
        }
    }
    expect(twice).toEqual([]);
  }, 90_000);
});
