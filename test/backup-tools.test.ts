import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { authCreateUser } from '../src/tools/auth/create-user.js';
import { backupCreate } from '../src/tools/backup/create.js';
import { backupList } from '../src/tools/backup/list.js';
import { backupRestore } from '../src/tools/backup/restore.js';
import type { AnyTool, Progress } from '../src/tools/define.js';
import { drCheck } from '../src/tools/dr/check.js';
import { drRecover } from '../src/tools/dr/recover.js';
import { invoke } from '../src/tools/invoke.js';
import { backupSettings, snapshot } from './helpers/backup.js';
import { admin, testCore } from './helpers/core.js';
import { done, planOf } from './helpers/results.js';
import { tempDir } from './helpers/tmp.js';

const call = <T extends AnyTool>(
  core: Core,
  tool: T,
  input: Record<string, unknown> = {},
  progress?: (p: Progress) => void,
) => invoke(tool, input, { core, principal: admin, ...(progress ? { progress } : {}) });

async function metric(core: Core, name: string): Promise<number> {
  const text = await core.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

describe('backup and DR tools through invoke', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const archives = tempDir('mahavishnu-tools-');
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(archives.path)));
    // only tables the migrations create: the DR check restores into a freshly migrated scratch store
    for (const u of ['carol', 'dave']) await call(core, authCreateUser, { username: u, role: 'operator' });
  });
  afterAll(async () => {
    await cleanup();
    archives.remove();
  });

  it('reports backup_storage healthy, beyond the RPO degraded; metrics follow', async () => {
    // a store of its own: "no backup yet" holds only before any other test made one
    const folder = tempDir('mahavishnu-tools-');
    const { core: own, cleanup: close } = await testCore('sqlite', backupSettings(folder.path));
    try {
      const health = async () =>
        (await own.health.components(true)).find((c) => c.name === 'backup_storage')!;
      expect((await health()).message).toContain('no backup yet');
      expect(await metric(own, 'mahavishnu_backup_last_success_timestamp_seconds')).toBe(0);
      const seen: Progress[] = [];
      const b = await call(own, backupCreate, { type: 'full' }, (p) => seen.push(p));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.at(-1)!.progress).toBe(seen.at(-1)!.total);
      expect((await health()).status).toBe('healthy');
      const c = own.config;
      own.applySettings({ ...own.settings, config: { ...c, dr: { rpo_hours: 1e-9 } } });
      expect((await health()).status).toBe('degraded');
      own.applySettings({ ...own.settings, config: c });
      expect(await metric(own, 'mahavishnu_backup_last_success_timestamp_seconds')).toBeGreaterThan(
        Date.now() / 1000 - 60,
      );
      expect(await metric(own, 'mahavishnu_backup_size_bytes')).toBe(b.size_bytes);
    } finally {
      await close();
      folder.remove();
    }
  });

  it('refuses state-changing tools during maintenance, still serves read-only ones', async () => {
    await core.maintenance.enter('test maintenance');
    try {
      await expect(call(core, authCreateUser, { username: 'blocked', role: 'viewer' })).rejects.toMatchObject(
        {
          code: 'unavailable',
          message: expect.stringContaining('maintenance (test maintenance'),
        },
      );
      await expect(call(core, backupList)).resolves.toBeDefined();
    } finally {
      core.maintenance.exit();
    }
    await expect(
      call(core, authCreateUser, { username: 'allowed.after', role: 'viewer' }),
    ).resolves.toBeDefined();
  });

  it('maintenance waits for the writes already running', async () => {
    const release = core.maintenance.track();
    let entered = false;
    const entering = core.maintenance.enter('waits').then(() => (entered = true));
    await new Promise((r) => setImmediate(r));
    expect(entered).toBe(false);
    release();
    await entering;
    expect(entered).toBe(true);
    core.maintenance.exit();
  });

  it('backup_restore takes a safety backup, restores, leaves maintenance and counts the outcome', async () => {
    const restoresBefore = (await metric(core, 'mahavishnu_restore_total{outcome="ok"}')) || 0;
    const { id } = await call(core, backupCreate, { type: 'full' });
    const before = await snapshot(core.db);
    await call(core, authCreateUser, { username: 'kept.after.restore', role: 'viewer' });
    await core.db.query("INSERT INTO kv (key, value, updated_at) VALUES ('gone.after.restore', 'x', 1)");
    const auditBefore = (await core.audit.verify()).records;
    const r = done(await call(core, backupRestore, { backup_id: id }));
    expect(r.safety_backup).toMatch(/^backup_/);
    expect(core.maintenance.active).toBeUndefined();
    const after = await snapshot(core.db);
    // replaced: kv is as it was at the backup; merged: the user created since stays
    expect(after.kv).toEqual(before.kv);
    expect(after.users).toHaveLength(before.users!.length + 1);
    // the live audit log is kept and goes on: this call's records follow the ones before it
    const chain = await core.audit.verify();
    expect(chain.ok).toBe(true);
    expect(chain.records).toBeGreaterThan(auditBefore);
    expect(await metric(core, 'mahavishnu_restore_total{outcome="ok"}')).toBe(restoresBefore + 1);
    const plan = planOf(await call(core, backupRestore, { backup_id: id, dry_run: true }));
    expect(plan.join('\n')).toContain('safety backup');
  });

  it('planRestore gives the facts a restore would act on, and changes nothing', async () => {
    await core.db.query(
      "INSERT INTO pools (id, name, type, min_workers, max_workers, desired, state, created_at, updated_at) VALUES ('p1', 'in-archive', 'shell', 1, 1, 1, 'running', 1, 1)",
    );
    const { id } = await call(core, backupCreate, { type: 'full' });
    await core.db.query("DELETE FROM pools WHERE name = 'in-archive'");
    await core.db.query("UPDATE users SET role = 'viewer' WHERE username = 'dave'");
    await core.db.query("DELETE FROM users WHERE username = 'carol'");
    const newer = await call(core, backupCreate, { type: 'full' });
    const live = await snapshot(core.db);
    const p = await core.backups.planRestore(id);
    expect(await snapshot(core.db)).toEqual(live);
    expect(p.installation.same).toBe(true);
    expect(p.newer_backups).toContain(newer.id);
    expect(p.pools).toEqual({ appearing: ['in-archive'], vanishing: [] });
    expect(p.users.appearing_disabled).toEqual(['carol']);
    expect(p.users.narrowed).toEqual([]);
    const pools = p.tables.find((t) => t.name === 'pools')!;
    expect(pools).toMatchObject({ policy: 'replace', live_rows: 0, archive_rows: 1 });
    expect(p.tables.find((t) => t.name === 'audit_log')!.policy).toBe('keep-live');
    const plan = planOf(await call(core, backupRestore, { backup_id: id, dry_run: true })).join('\n');
    expect(plan).toContain('come back disabled (carol)');
    expect(plan).toContain('pools: appearing in-archive');
  });

  it('dr_check passes every level, measures RPO and restore time, and sets its metric', async () => {
    await call(core, backupCreate, { type: 'full' }); // its own backup, whatever ran before
    const r = await call(core, drCheck);
    expect(
      r.levels.map((l) => [l.level, l.ok]),
      JSON.stringify(r.levels),
    ).toEqual([
      ['exists', true],
      ['verify', true],
      ['restore', true],
    ]);
    expect(r.measured_rpo_seconds).toBeGreaterThanOrEqual(0);
    expect(r.measured_restore_seconds).toBeGreaterThan(0);
    expect(await metric(core, 'mahavishnu_dr_check_last_success_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('dr_check fails the first level when the newest backup is older than the RPO', async () => {
    await call(core, backupCreate, { type: 'full' }); // its own backup, whatever ran before
    const c = core.config;
    core.applySettings({ ...core.settings, config: { ...c, dr: { rpo_hours: 1e-9 } } });
    try {
      const r = await call(core, drCheck);
      expect(r.ok).toBe(false);
      expect(r.levels).toHaveLength(1);
      expect(r.levels[0]!.message).toContain('beyond');
    } finally {
      core.applySettings({ ...core.settings, config: c });
    }
  });

  it('dr_recover says what it did, step by step', async () => {
    const { id } = await call(core, backupCreate, { type: 'full' });
    const r = done(await call(core, drRecover, { backup: id }));
    expect(r.ok).toBe(true);
    expect(r.steps.map((s) => s.step)).toEqual([
      'verify',
      'safety backup',
      'restore',
      'maintenance',
      'reconnect',
      'health gate',
      'audit',
    ]);
    const audit = await core.audit.list({ limit: 5, tool: 'dr_recover' });
    expect(audit.length).toBeGreaterThan(0);
  });
});
