import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** The in-process CLI is no side door: the same policy as every face, bootstrap excepted. */
describe('the in-process CLI under policy.read_only', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path, { MAHAVISHNU_POLICY__READ_ONLY: 'true' });
  afterAll(() => tmp.remove());

  it('creates the first admin of an empty store and its first token, then refuses every other write', () => {
    const viewerFirst = cli(['auth', 'create-user', '--username', 'v0', '--role', 'viewer'], env);
    expect(viewerFirst.code, viewerFirst.stderr).toBe(4);
    const first = cli(['auth', 'create-user', '--username', 'root', '--role', 'admin', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const token = cli(['auth', 'create-token', '--username', 'root', '--json'], env);
    expect(token.code, token.stderr).toBe(0);

    const second = cli(['auth', 'create-user', '--username', 'eve', '--role', 'admin'], env);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('error (forbidden): tool auth_create_user is not served');
    expect(second.stderr).toContain('policy.read_only');
    const again = cli(['auth', 'create-token', '--username', 'root'], env);
    expect(again.code).toBe(4);
    expect(cli(['auth', 'disable-user', 'root', '--yes'], env).code).toBe(4);
    // reads still work
    const list = cli(['auth', 'list-users', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).users.map((u: { username: string }) => u.username)).toEqual(['root']);
  });
});

describe('settings files that are not one', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('config validate --file /dev/zero is refused at once with a clear error', () => {
    const r = cli(['config', 'validate', '--file', '/dev/zero'], childEnv(tmp.path));
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain('/dev/zero: is not a regular file (a device)');
  });

  it('a FIFO as mahavishnu.yaml makes every command fail at once instead of hanging', () => {
    const dir = join(tmp.path, 'fifo-settings');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'mahavishnu.yaml')]);
    const env = childEnv(tmp.path, { MAHAVISHNU_CONFIG_DIR: dir });
    for (const args of [
      ['auth', 'list-users'],
      ['config', 'validate'],
    ]) {
      const r = cli(args, env); // cli() gives up after 60 s: a hang fails the test
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr + r.stdout).toContain('mahavishnu.yaml: is not a regular file (a FIFO)');
    }
  });

  it('an absurdly large settings file is refused without being read', () => {
    const file = join(tmp.path, 'huge.yaml');
    writeFileSync(file, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const r = cli(['config', 'validate', '--file', file], childEnv(tmp.path));
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/huge\.yaml: is \d+ bytes, more than a settings file may be/);
  });
});

describe('settings files holding secrets', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('readable by group or others: a warning at start and a validate-production failure; 600 passes', () => {
    const dir = join(tmp.path, 'settings');
    mkdirSync(dir);
    const file = join(dir, 'local.yaml');
    writeFileSync(file, 'backup:\n  signing_key: "a-signing-key-of-at-least-32-characters!!"\n');
    chmodSync(file, 0o644);
    const env = childEnv(tmp.path);
    const list = cli(['auth', 'list-users'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toContain('holds backup.signing_key and is readable by group or others (mode 644)');
    expect(list.stderr).not.toContain('a-signing-key-of');
    const check = (r: { stdout: string }) =>
      (
        JSON.parse(r.stdout) as { checks: Array<{ name: string; status: string; reason: string }> }
      ).checks.find((c) => c.name === 'settings_permissions');
    const open = cli(['validate-production', '--json'], env);
    expect(open.code).toBe(1);
    expect(check(open)).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining(`chmod 600 ${file}`),
    });

    chmodSync(file, 0o600);
    const closed = cli(['validate-production', '--json'], env);
    expect(check(closed)).toMatchObject({ status: 'pass' });
    expect(cli(['auth', 'list-users'], env).stderr).not.toContain('readable by group or others');
  });
});
