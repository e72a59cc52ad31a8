import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { backupCreate } from '../src/tools/backup/create.js';
import { backupRestore } from '../src/tools/backup/restore.js';
import type { AnyTool } from '../src/tools/define.js';
import { drCheck } from '../src/tools/dr/check.js';
import { drRecover } from '../src/tools/dr/recover.js';
import { invoke } from '../src/tools/invoke.js';
import { backupSettings } from './helpers/backup.js';
import { admin, testCore } from './helpers/core.js';
import { done } from './helpers/results.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Call a tool and cancel it once a progress message matches `when` (then after `delayMs`):
 * resolves with the error it ended with and how long after the cancel it ended.
 */
async function cancelled(core: Core, tool: AnyTool, input: unknown, when: RegExp, delayMs = 0) {
  const ac = new AbortController();
  let at = 0;
  const seen: string[] = [];
  const call = invoke(tool, input, {
    core,
    principal: admin,
    signal: ac.signal,
    progress: (p) => {
      seen.push(p.message ?? '');
      if (!at && when.test(p.message ?? '')) {
        at = -1;
        setTimeout(() => {
          at = performance.now();
          ac.abort();
        }, delayMs);
      }
    },
  });
  const err = await call.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  return { err, ms: performance.now() - at, seen, aborted: at > 0 };
}

const kvRows = async (core: Core) =>
  Number((await core.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM kv'))[0]?.n);

/**
 * backup_create, backup_restore, dr_check and dr_recover honour the call's cancellation: each
 * stops within a second of it and leaves nothing behind (no partial archive or spool file, no
 * scratch store, no DR record), and the store is as it was (a restore stopped before it swaps the
 * database file, the installation out of maintenance). They report progress on the way.
 */
describe('cancelling the backup tools', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let dir: string;
  const backups = tempDir();
  let full = '';

  beforeAll(async () => {
    ({ core, cleanup, dir } = await testCore('sqlite', backupSettings(backups.path)));
    // ~40 MB of rows that do not compress much: each tool runs for a good part of a second or more
    await core.db.tx(async (t) => {
      for (let i = 0; i < 40; i++) {
        const params = Array.from({ length: 100 }, (_, j) => [
          `r-${i}-${j}`,
          randomBytes(3000).toString('base64'),
          j,
        ]).flat();
        const ph = Array.from(
          { length: 100 },
          (_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`,
        ).join(', ');
        await t.query(`INSERT INTO kv (key, value, updated_at) VALUES ${ph}`, params);
      }
    });
    full = done(await invoke(backupCreate, { type: 'full' }, { core, principal: admin })).id;
    // after the backup: what a restore would undo
    await core.db.query("DELETE FROM kv WHERE key LIKE 'r-1%'");
  }, 60_000);
  afterAll(async () => {
    await cleanup();
    backups.remove();
  });

  const leftovers = () => [
    ...readdirSync(backups.path).filter((f) => !f.endsWith('.tar.gz') || f.startsWith('.')),
    ...readdirSync(dir).filter((f) => /\.(spool|image|restore|plan)-|\.partial|^\.safety-/.test(f)),
  ];

  it('backup_create stops within a second and leaves no partial archive', async () => {
    const before = readdirSync(backups.path).sort();
    const r = await cancelled(core, backupCreate, { type: 'full' }, /MB sealed$/);
    expect(r.aborted).toBe(true);
    expect(r.err?.code, r.err?.message).toBe('timeout');
    expect(r.err?.message).toMatch(/cancelled; its partial archive was discarded/);
    expect(r.ms).toBeLessThan(1000);
    expect(readdirSync(backups.path).sort()).toEqual(before);
    expect(leftovers()).toEqual([]);
    expect((await core.backups.list()).map((b) => b.id)).toEqual([full]);
  }, 30_000);

  it('backup_create cancelled during its snapshot of the database file stops within a second, leaving no copy', async () => {
    const r = await cancelled(core, backupCreate, { type: 'full' }, /snapshot of the database file$/);
    expect(r.aborted).toBe(true);
    expect(r.err?.code, r.err?.message).toBe('timeout');
    expect(r.ms).toBeLessThan(1000);
    expect(leftovers()).toEqual([]);
    expect((await core.backups.list()).map((b) => b.id)).toEqual([full]);
  }, 30_000);

  it('backup_restore cancelled while it merges, before its swap: the store is unchanged', async () => {
    const rows = await kvRows(core);
    const r = await cancelled(core, backupRestore, { backup_id: full }, /^restore .*: merging/);
    expect(r.aborted).toBe(true);
    expect(r.err?.code, r.err?.message).toBe('timeout');
    expect(r.ms).toBeLessThan(1000);
    expect(r.seen.some((m) => m.startsWith('verify '))).toBe(true);
    expect(await kvRows(core)).toBe(rows);
    expect(core.maintenance.active).toBeUndefined();
    expect(await core.db.query('SELECT 1 FROM maintenance')).toEqual([]);
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('backup_restore cancelled while it verifies changes nothing and takes no safety backup', async () => {
    const rows = await kvRows(core);
    const ids = (await core.backups.list()).map((b) => b.id);
    const r = await cancelled(core, backupRestore, { backup_id: full }, /^verify /);
    expect(r.err?.code, r.err?.message).toBe('timeout');
    expect(r.ms).toBeLessThan(1000);
    expect(await kvRows(core)).toBe(rows);
    expect((await core.backups.list()).map((b) => b.id)).toEqual(ids);
    // a cancelled read is no finding: the archive is not marked as failing verification
    expect((await core.backups.rowOf(full))?.verified_ok).not.toBe(0);
  }, 30_000);

  it('dr_check stops within a second, records nothing and removes its scratch store', async () => {
    const scratch = () => readdirSync(tmpdir()).filter((f) => f.startsWith('mahavishnu-dr-'));
    const before = new Set(scratch());
    const checks = (await core.db.query('SELECT id FROM dr_checks')).length;
    const r = await cancelled(core, drCheck, { level: 'restore' }, /level restore/, 150);
    expect(r.aborted).toBe(true);
    expect(r.err?.code, r.err?.message).toBe('timeout');
    expect(r.ms).toBeLessThan(1000);
    expect((await core.db.query('SELECT id FROM dr_checks')).length).toBe(checks);
    expect(scratch().filter((f) => !before.has(f))).toEqual([]);
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('dr_recover cancelled during its restore leaves the store unchanged and the installation out of maintenance', async () => {
    const rows = await kvRows(core);
    const r = await cancelled(core, drRecover, { backup: full }, /dr recover: restore .*: merging/);
    expect(r.aborted).toBe(true);
    expect(r.err?.code, r.err?.message).toBe('timeout');
    expect(r.ms).toBeLessThan(1000);
    expect(await kvRows(core)).toBe(rows);
    expect(core.maintenance.active).toBeUndefined();
    expect(await core.db.query('SELECT 1 FROM maintenance')).toEqual([]);
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('runs to the end when not cancelled, reporting progress (the same calls, for contrast)', async () => {
    const seen: string[] = [];
    const r = done(
      await invoke(
        drCheck,
        { level: 'restore' },
        { core, principal: admin, progress: (p) => seen.push(p.message ?? '') },
      ),
    );
    expect(r.ok).toBe(true);
    expect(seen).toEqual(expect.arrayContaining(['dr check: level exists', 'dr check: level restore']));
  }, 60_000);
});
