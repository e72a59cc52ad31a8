import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { authCreateUser } from '../src/tools/auth/create-user.js';
import { backupCreate } from '../src/tools/backup/create.js';
import { backupList } from '../src/tools/backup/list.js';
import { backupRestore } from '../src/tools/backup/restore.js';
import { backupVerify } from '../src/tools/backup/verify.js';
import type { AnyTool } from '../src/tools/define.js';
import { drCheck } from '../src/tools/dr/check.js';
import { invoke } from '../src/tools/invoke.js';
import { backupSettings } from './helpers/backup.js';
import { admin, testCore } from './helpers/core.js';
import { done } from './helpers/results.js';

const call = <T extends AnyTool>(core: Core, tool: T, input: unknown) =>
  invoke(tool, input, { core, principal: admin });

/**
 * What an operator following the runbook relies on: an archive copied into the backup folder by
 * hand is recorded as verified once `backup verify` read it; a restore on a fresh machine whose
 * S3 bucket is unreachable works from the local copy, its safety backup falling back to the
 * local folder and saying so; dr check's restore time is that of a real restore, safety backup
 * included.
 */
describe('backups as the runbook uses them', () => {
  let origin: Core;
  let fresh: Core;
  const cleanups: Array<() => Promise<void>> = [];
  let id = '';
  let freshDir = '';

  beforeAll(async () => {
    const a = await testCore('sqlite', backupSettings(''));
    origin = a.core;
    cleanups.push(a.cleanup);
    // only the migrations' tables: the DR scratch store is built from them
    await call(origin, authCreateUser, { username: 'alice', role: 'operator' });
    await origin.db.query("INSERT INTO kv (key, value, updated_at) VALUES ('a', 'b', 1)");
    id = done(await call(origin, backupCreate, { type: 'full' })).id;
    // the fresh machine: its backups go to a bucket that cannot be reached (nothing listens on port 1)
    const b = await testCore(
      'sqlite',
      backupSettings('', {
        store: 's3',
        bucket: 'mahavishnu-backups',
        endpoint: 'http://127.0.0.1:1',
        force_path_style: true,
      }),
    );
    fresh = b.core;
    freshDir = b.dir;
    cleanups.push(b.cleanup);
    // aws s3 cp s3://mahavishnu-backups/<id>.tar.gz /opt/mahavishnu/backups/ (done earlier, from elsewhere)
    mkdirSync(join(freshDir, 'backups'), { recursive: true });
    copyFileSync(join(a.dir, 'backups', `${id}.tar.gz`), join(freshDir, 'backups', `${id}.tar.gz`));
  }, 60_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('records a verify of an archive copied in by hand, which the catalog did not know', async () => {
    const copy = await testCore('sqlite', backupSettings(''));
    cleanups.push(copy.cleanup);
    mkdirSync(join(copy.dir, 'backups'), { recursive: true });
    copyFileSync(join(freshDir, 'backups', `${id}.tar.gz`), join(copy.dir, 'backups', `${id}.tar.gz`));
    const bad = `${id.slice(0, -2)}59`;
    const bytes = readFileSync(join(copy.dir, 'backups', `${id}.tar.gz`));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    writeFileSync(join(copy.dir, 'backups', `${bad}.tar.gz`), bytes);

    const listed = done(await call(copy.core, backupList, {})).backups;
    expect(listed.find((b) => b.id === id)).toMatchObject({
      type: 'unknown',
      last_verified: null,
      verified_ok: null,
    });
    expect(done(await call(copy.core, backupVerify, { backup_id: id })).ok).toBe(true);
    await expect(call(copy.core, backupVerify, { backup_id: bad })).rejects.toMatchObject({
      code: 'invalid_input',
    });

    const after = done(await call(copy.core, backupList, {})).backups;
    const good = after.find((b) => b.id === id)!;
    expect(good).toMatchObject({ type: 'full', verified_ok: true });
    expect(good.last_verified).not.toBeNull();
    expect(after.find((b) => b.id === bad)).toMatchObject({ verified_ok: false });
  }, 30_000);

  it('restores on a fresh machine with S3 unreachable: the safety backup falls back to the local folder', async () => {
    const r = done(await call(fresh, backupRestore, { backup_id: id, allow_other_installation: true }));
    expect(r.rows).toBeGreaterThan(0);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(
      /s3:\/\/mahavishnu-backups\/ cannot be reached .* written to the local folder/,
    );
    const local = join(freshDir, 'backups', `${r.safety_backup}.tar.gz`);
    expect(r.safety_backup_location).toBe(local);
    // the database file the restore replaced is sealed into that archive after the restore returned
    await fresh.backups.settle();
    expect(existsSync(local)).toBe(true);
    expect((await fresh.users.get('alice'))?.username).toBe('alice');
  }, 60_000);

  it("dr check's restore time is a real restore's: the safety backup of the live store included", async () => {
    const r = done(await call(origin, drCheck, { level: 'restore' }));
    expect(r.ok).toBe(true);
    const msg = r.levels.find((l) => l.level === 'restore')!.message;
    const m =
      /in ([\d.]+) s \(safety backup of the live store ([\d.]+) s, verify and apply ([\d.]+) s\)/.exec(msg);
    expect(m, msg).not.toBeNull();
    const [total, safety, apply] = [m![1], m![2], m![3]].map(Number) as [number, number, number];
    expect(safety).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(safety + apply - 0.002);
    expect(r.measured_restore_seconds).toBeCloseTo(total, 2);
    // rehearsed, not kept: no archive and no catalog row came of it
    expect(done(await call(origin, backupList, {})).backups.map((b) => b.id)).toEqual([id]);
  }, 60_000);
});
