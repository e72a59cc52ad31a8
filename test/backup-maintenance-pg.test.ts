import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { backupCreate } from '../src/tools/backup/create.js';
import { backupRestore } from '../src/tools/backup/restore.js';
import type { AnyTool } from '../src/tools/define.js';
import { invoke } from '../src/tools/invoke.js';
import { workflowRun } from '../src/tools/workflow/run.js';
import { backupSettings } from './helpers/backup.js';
import { childEnv } from './helpers/cli.js';
import { admin, testCore } from './helpers/core.js';
import { done } from './helpers/results.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';
import { writeWorkflows } from './helpers/workflows.js';

const call = <T extends AnyTool>(core: Core, tool: T, input: unknown) =>
  invoke(tool, input, { core, principal: admin });

const stepState = async (core: Core, runId: string) =>
  (await core.db.query<{ state: string }>('SELECT state FROM workflow_steps WHERE run_id = $1', [runId]))[0]
    ?.state;

/**
 * A restore is installation-wide: run through this process on PostgreSQL, it pauses the pool of
 * a `mahavishnu worker` on another process (nothing new is claimed there) and the writes of a
 * `serve` replica (503, naming the restore; taken again after), waits for that
 * worker's running step to end before the store is replaced (or cancels it, recorded, when
 * asked), and the worker takes new work again once the restore is over.
 */
describe('a restore pauses the whole installation', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const tmp = tempDir();
  let worker: ReturnType<typeof startWorker>;
  let replica: ServeProcess;
  let token = '';
  let backupId = '';
  /** A state-changing call through the other serve replica's HTTP API: its status and message. */
  const writeThroughReplica = async (username: string) => {
    const r = await fetch(`${replica.url}/api/v1/tools/auth_create_user`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ username, role: 'viewer' }),
    });
    return { status: r.status, text: await r.text() };
  };

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      slow: `
name: slow
description: sleeps, then leaves a mark (the side effect a restore must not cut off)
pool: wide
params:
  file: { type: string, description: where to leave the mark }
  secs: { type: string, description: how long to sleep }
steps:
  - name: work
    argv: [sh, -c, "sleep $1 && echo done > $0", "{{file}}", "{{secs}}"]
`,
    });
    ({ core, cleanup } = await testCore('postgres', {
      workflows: { dir },
      ...backupSettings(join(tmp.path, 'backups'), { maintenance_poll_ms: 100, restore_drain_s: 30 }),
    }));
    await core.pools.store.create({ name: 'wide', type: 'mahavishnu', min: 2, max: 2, autoscale: false });
    worker = startWorker(
      'wide',
      childEnv(join(tmp.path, 'worker'), {
        MAHAVISHNU_DATABASE__URL: core.config.database.url!,
        MAHAVISHNU_POOLS__LEASE_MS: '3000',
        MAHAVISHNU_POOLS__TICK_MS: '100',
        MAHAVISHNU_BACKUP__MAINTENANCE_POLL_MS: '100',
      }),
    );
    await waitFor('the worker to run 2 workers', async () => {
      const s = await core.pools.status('wide');
      return s.workers.total === 2 && s.members.every((m) => m.starting === 0);
    });
    // a serve replica on the same store, without pools: it serves the API and follows maintenance
    const serveEnv = childEnv(join(tmp.path, 'replica'), {
      MAHAVISHNU_DATABASE__URL: core.config.database.url!,
      MAHAVISHNU_POOLS__ENABLED: 'false',
      MAHAVISHNU_BACKUP__MAINTENANCE_POLL_MS: '100',
    });
    replica = await spawnServe(serveEnv);
    token = replica.adminToken();
    await waitFor(
      'the worker and the replica to follow maintenance',
      async () => (await core.db.query('SELECT owner FROM maintenance_peers')).length === 2,
    );
    backupId = (await call(core, backupCreate, { type: 'full' })).id;
  }, 60_000);
  afterAll(async () => {
    if (worker) await stopWorker(worker);
    await replica?.stop();
    await cleanup();
    tmp.remove();
  });

  it('pauses the other process’s pool, drains its running step, and resumes it after', async () => {
    const mark = join(tmp.path, 'slow.done');
    const slow = await call(core, workflowRun, { name: 'slow', params: { file: mark, secs: '3' } });
    await waitFor(
      'the slow step to run on the worker',
      async () => (await stepState(core, slow.id)) === 'running',
    );

    const restoring = call(core, backupRestore, { backup_id: backupId });
    await waitFor(
      'the worker and the replica to acknowledge the maintenance',
      async () =>
        (await core.db.query('SELECT 1 FROM maintenance_peers WHERE ack_token IS NOT NULL')).length === 2,
    );
    // the other replica refuses writes meanwhile
    const refused = await writeThroughReplica('during');
    expect(refused.status).toBe(503);
    expect(refused.text).toContain('maintenance (restoring');
    // the worker has an idle worker, yet claims nothing while the installation is in maintenance
    // (queued under the tools: this process holds the maintenance, so workflow_run is refused here)
    const queued = await core.workflows.run(
      { name: 'slow', params: { file: `${mark}.2`, secs: '0' }, timeout_ms: 60_000, retries: 0 },
      'test',
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await stepState(core, queued.id)).toBe('queued');
    expect(existsSync(mark)).toBe(false); // the slow step still runs: the restore waits for it

    const r = done(await restoring);
    const restoredAt = Date.now();
    expect(existsSync(mark)).toBe(true);
    expect(statSync(mark).mtimeMs).toBeLessThan(restoredAt);
    expect(r.maintenance.paused).toHaveLength(2);
    expect(r.maintenance.paused.some((p) => p.includes(`:${worker.pid}:`))).toBe(true);
    expect(r.maintenance.paused.some((p) => p.includes(`:${replica.proc.pid}:`))).toBe(true);
    expect(r.maintenance.drained).toHaveLength(1);
    expect(r.maintenance.cancelled).toEqual([]);
    // the store is the backup's: neither run exists any more, the queued one never ran
    expect(await core.db.query('SELECT id FROM workflow_runs')).toEqual([]);
    expect(existsSync(`${mark}.2`)).toBe(false);
    expect(await core.db.query('SELECT 1 FROM maintenance')).toEqual([]);

    // resumed: the replica takes writes again, the worker takes new work again
    await waitFor(
      'the replica to take writes again',
      async () => (await writeThroughReplica('after')).status === 200,
    );
    const after = await call(core, workflowRun, { name: 'slow', params: { file: `${mark}.3`, secs: '0' } });
    await waitFor(
      'the worker to run a step after the restore',
      async () => (await stepState(core, after.id)) === 'succeeded',
    );
    expect(existsSync(`${mark}.3`)).toBe(true);
  }, 60_000);

  it('with cancel_running, cancels the running step (recorded) instead of waiting', async () => {
    const long = await call(core, workflowRun, {
      name: 'slow',
      params: { file: join(tmp.path, 'never'), secs: '300' },
    });
    await waitFor(
      'the long step to run on the worker',
      async () => (await stepState(core, long.id)) === 'running',
    );
    const t0 = Date.now();
    const r = done(await call(core, backupRestore, { backup_id: backupId, cancel_running: true }));
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.maintenance.cancelled).toHaveLength(1);
    // recorded: the safety backup was taken after the step ended, and the restore's audit record names it
    const rec = (await core.audit.list({ limit: 5 })).find(
      (a) => a.tool === 'backup_restore' && a.outcome === 'restored',
    );
    expect(JSON.stringify(rec?.input)).toContain(r.maintenance.cancelled[0]);
    expect(existsSync(join(tmp.path, 'never'))).toBe(false);
  }, 60_000);
});
