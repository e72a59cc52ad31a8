import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

describe('the mahavishnu CLI', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path);
  afterAll(() => tmp.remove());

  it('has --help on every level', () => {
    const root = cli(['--help'], env);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('auth create-user');
    const group = cli(['auth', '--help'], env);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('auth list-users');
    const cmd = cli(['auth', 'create-user', '--help'], env);
    expect(cmd.code).toBe(0);
    expect(cmd.stdout).toMatch(/--username VALUE/);
    expect(cmd.stdout).toMatch(/least role: admin/);
  });

  it('prints a table by default and JSON with --json', () => {
    expect(cli(['auth', 'create-user', '--username', 'john.doe', '--role', 'operator'], env).code).toBe(0);
    const table = cli(['auth', 'list-users'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+USERNAME\s+ROLE/);
    expect(table.stdout).toMatch(/john\.doe\s+operator/);
    const json = JSON.parse(cli(['auth', 'list-users', '--json'], env).stdout);
    expect(json.users[0]).toMatchObject({ username: 'john.doe', role: 'operator' });
  });

  it('maps error codes to exit codes, with the fix in the message', () => {
    const dup = cli(['auth', 'create-user', '--username', 'john.doe', '--role', 'operator'], env);
    expect(dup.code).toBe(6);
    expect(dup.stderr).toContain('error (conflict)');
    const typo = cli(['auth', 'create-user', '--usernme', 'x', '--role', 'viewer'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean --username?');
    const badRole = cli(['auth', 'create-user', '--username', 'x', '--role', 'root', '--json'], env);
    expect(badRole.code).toBe(2);
    expect(JSON.parse(badRole.stdout).error).toMatchObject({ code: 'invalid_input' });
    const unknown = cli(['pol', 'lst'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
  });

  it('refuses a call above its configured role', () => {
    const r = cli(['auth', 'create-user', '--username', 'y', '--role', 'viewer'], {
      ...env,
      MAHAVISHNU_AUTH__CLI_ROLE: 'viewer',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('needs role admin');
  });

  it('config validate exits 2 and lists every problem with its key path', () => {
    const r = cli(['config', 'validate'], {
      ...env,
      MAHAVISHNU_SERVER__PORT: 'eighty',
      MAHAVISHNU_CACHE__BACKEN: 'redis',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.port');
    expect(r.stderr).toContain('cache.backen: unknown key (did you mean "backend"?)');
  });

  it('prints its version', () => {
    expect(cli(['--version'], env).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
