import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCode } from '../src/core/errors.js';
import { ENCRYPTION_KEY, SIGNING_KEY } from './helpers/backup.js';
import { childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** A data folder's CLI with the backup keys set, and a call of it that must succeed, parsed from --json. */
function backupCli(dir: string) {
  const env = childEnv(dir, {
    MAHAVISHNU_BACKUP__SIGNING_KEY: SIGNING_KEY,
    MAHAVISHNU_BACKUP__ENCRYPTION_KEY: ENCRYPTION_KEY,
  });
  const json = (args: string[]) => {
    const r = cli([...args, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  return { env, json };
}

/** The runbook's section 3, command by command, as separate CLI processes (the server stopped). */
describe('the backup runbook through the CLI', () => {
  const tmp = tempDir('mahavishnu-runbook-');
  afterAll(() => tmp.remove());
  const { env, json } = backupCli(tmp.path);

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

/**
 * The CLI ends with its call: `backup restore` returns once the restore is in place and the file it
 * replaced is durable, and a process of its own (src/cli/seal.ts) seals that file into the safety
 * backup's archive.
 */
describe("a CLI restore's safety backup, sealed by a process of its own", () => {
  const tmp = tempDir('mahavishnu-sealer-');
  afterAll(() => tmp.remove());
  const { env, json } = backupCli(tmp.path);
  const images = () => readdirSync(tmp.path).filter((f) => /^\.safety-\d+-\d+\.db$/.test(f));
  const listed = () => json(['backup', 'list']).backups.map((b: { id: string }) => b.id) as string[];
  const file = join(tmp.path, 'mahavishnu.db');
  /** The kv keys starting with `mark-` (kv is a table a restore replaces), read from the file itself. */
  const marks = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT key FROM kv WHERE key LIKE 'mark-%' ORDER BY key").pluck().all();
    } finally {
      db.close();
    }
  };
  const mark = (key: string) => {
    const db = new Database(file);
    db.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, 0)').run(key, '1');
    db.close();
  };
  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return / [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ' '));
    } catch {
      return true;
    }
  };
  const until = async (what: string, ok: () => boolean) => {
    for (const end = Date.now() + 20_000; !ok(); ) {
      if (Date.now() > end) throw new Error(`not within 20 s: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** `backup restore` in human form: the safety backup's id and its sealer's pid. */
  const restore = (id: string) => {
    const r = cli(['backup', 'restore', id, '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    const safety = /safety_backup: (backup_\w+)/.exec(r.stdout)?.[1];
    const pid = Number(
      /safety backup (backup_\w+): sealing in the background \(pid (\d+)\)/.exec(r.stderr)?.[2],
    );
    expect(safety, r.stdout).toBeDefined();
    expect(r.stderr).toContain(`safety backup ${safety}: sealing in the background`);
    return { safety: safety!, pid };
  };

  it('returns before the seal; the sealed archive holds the state the restore replaced', async () => {
    json(['auth', 'create-user', '--username', 'first', '--role', 'viewer']);
    mark('mark-kept');
    // some megabytes of state, so the seal takes a while after the restore returned
    const db = new Database(file);
    const put = db.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, 0)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) put.run(`k${i}`, randomBytes(4096).toString('base64'));
    })();
    db.close();
    const { id } = json(['backup', 'create', '--type', 'full']);
    mark('mark-later');

    const { safety, pid } = restore(id);
    // the restore is in place; the file it replaced waits, under the sealer's pid, for its archive
    expect(images()).toEqual([expect.stringMatching(new RegExp(`-${pid}\\.db$`))]);
    expect(marks()).toEqual(['mark-kept']);
    await until('the sealer ends', () => gone(pid));
    expect(listed()).toContain(safety);
    expect(images()).toEqual([]);
    // the safety backup undoes the restore
    json(['backup', 'restore', safety, '--yes']);
    expect(marks()).toEqual(['mark-kept', 'mark-later']);
    await until('the second sealer ends', () => images().length === 0);
  }, 120_000);

  it('a sealer killed before it sealed leaves a file and a row that say so; the next backup seals the file', async () => {
    const before = listed();
    const { id } = json(['backup', 'create', '--type', 'full']);
    const { safety, pid } = restore(id);
    process.kill(pid, 'SIGKILL');
    await until('the sealer is dead', () => gone(pid));
    expect(listed()).not.toContain(safety);
    expect(images()).toEqual([expect.stringMatching(new RegExp(`-${pid}\\.db$`))]);
    const refused = cli(['backup', 'restore', safety, '--yes'], env);
    expect(refused.code).toBe(exitCode.conflict);
    expect(refused.stderr).toContain(
      `backup ${safety} was never completed: process ${pid}, which wrote it, ended first`,
    );

    const next = json(['backup', 'create', '--type', 'full']);
    expect(next.cleaned_up).toContain(safety);
    expect(images()).toEqual([]);
    // the left file became a safety backup under a new id, beside the new full one
    const added = listed().filter((b) => !before.includes(b) && b !== id && b !== next.id);
    expect(added).toHaveLength(1);
    expect(added[0]).not.toBe(safety);
    expect(
      (json(['backup', 'list']).backups as { id: string; type: string }[]).find((b) => b.id === added[0])
        ?.type,
    ).toBe('safety');
  }, 120_000);
});
