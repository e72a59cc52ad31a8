import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENCRYPTION_KEY, SIGNING_KEY } from './helpers/backup.js';
import { childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** The runbook's section 3, command by command, as separate CLI processes (the server stopped). */
describe('the backup runbook through the CLI', () => {
  const tmp = tempDir('mahavishnu-runbook-');
  afterAll(() => tmp.remove());
  const env = childEnv(tmp.path, {
    MAHAVISHNU_BACKUP__SIGNING_KEY: SIGNING_KEY,
    MAHAVISHNU_BACKUP__ENCRYPTION_KEY: ENCRYPTION_KEY,
  });
  const json = (args: string[]) => {
    const r = cli([...args, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('create, list, dr check, restore, dr recover', () => {
    mkdirSync(join(tmp.path, 'settings'));
    writeFileSync(
      join(tmp.path, 'settings', 'local.yaml'),
      'cache:\n  redis_url: "redis://:cachepw@cache:6379"\n',
    );
    json(['auth', 'create-user', '--username', 'kept', '--role', 'viewer']);
    const { id } = json(['backup', 'create', '--type', 'full']);
    json(['auth', 'create-user', '--username', 'dropped', '--role', 'viewer']);
    expect(json(['backup', 'list']).backups.map((b: { id: string }) => b.id)).toEqual([id]);
    expect(json(['dr', 'check'])).toMatchObject({ ok: true, backup_id: id });

    const restored = json(['backup', 'restore', id, '--yes']);
    expect(restored.safety_backup).toMatch(/^backup_/);
    const users = json(['auth', 'list-users']).users.map((u: { username: string }) => u.username);
    // users are security state: merged, never rolled back, so one created since the backup stays
    expect(users).toEqual(expect.arrayContaining(['kept', 'dropped']));
    expect(restored.replaced).toContain('pools');
    // the settings in the archive come back beside the data, for comparison, without their secrets
    expect(restored.settings_dir).toBe(join(tmp.path, 'restored', id, 'settings'));
    const copy = readFileSync(join(restored.settings_dir, 'local.yaml'), 'utf8');
    expect(copy).toContain('redis://:[removed]@cache:6379');
    expect(copy).not.toContain('cachepw');

    const plan = cli(['dr', 'recover', '--backup', id, '--dry-run'], env);
    expect(plan.stdout).toContain('Dry run: nothing was changed');
    const recovered = json(['dr', 'recover', '--backup', id, '--yes']);
    expect(recovered.ok).toBe(true);
    expect(json(['audit', 'verify']).ok).toBe(true);
  }, 120_000);

  it('dr check exits 1 when it is not ok (the newest backup beyond the RPO), so cron and monitors see it', () => {
    const r = cli(['dr', 'check', '--level', 'exists', '--json'], {
      ...env,
      MAHAVISHNU_DR__RPO_HOURS: '0.00001',
    });
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, failed: true });
  });

  it('refuses an unknown backup id with not_found and its exit code', () => {
    const r = cli(['backup', 'restore', 'backup_19990101_000000', '--yes'], env);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('is not in');
  });
});
