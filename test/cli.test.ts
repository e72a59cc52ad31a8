import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cli, cliAsync } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { startWorker, stopWorker } from './helpers/worker-proc.js';

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
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain(
      'error (not_found): unknown command "pol lst" (did you mean "pool list"?)',
    );
  });

  it('refuses an unknown flag of a builtin command before it runs, with a suggestion', () => {
    const status = cli(['mcp', 'status', '--bogus', '--server', 'http://127.0.0.1:9'], env);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('error (invalid_input): unknown option --bogus');
    expect(status.stdout).toBe('');
    const serve = cli(['serve', '--prot', '0'], env);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('unknown option --prot (did you mean --port?)');
    const worker = cli(['worker', '--pool', 'w', '--min', '1'], env);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('give both --min and --max');
    const smoke = cli(['test', '--sever', 'http://127.0.0.1:9'], env);
    expect(smoke.stderr).toContain('unknown option --sever (did you mean --server?)');
  });

  it('prints only "internal error" and a reference on an unexpected failure; the detail goes to the log', () => {
    // a data directory under a file: the store cannot be created, which no AppError describes
    const r = cli(['auth', 'list-users'], { ...env, MAHAVISHNU_DATA__DIR: '/dev/null/data' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    const message = lines.filter((l) => !l.startsWith('{'));
    expect(message).toEqual([
      expect.stringMatching(/^error \(internal\): internal error \(reference [0-9a-f-]{36}\)/),
    ]);
    const reference = /reference ([0-9a-f-]{36})/.exec(message[0]!)![1];
    const logged = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 50, reference, err: expect.objectContaining({ code: 'ENOTDIR' }) }),
    );
  });

  it('refuses a call above its configured role', () => {
    const r = cli(['auth', 'create-user', '--username', 'y', '--role', 'viewer'], {
      ...env,
      MAHAVISHNU_AUTH__CLI_ROLE: 'viewer',
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('needs role admin');
    // the same text names the CLI command here
    expect(r.stderr).toContain('`mahavishnu auth create-user --username NAME --role admin`');
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

describe('mahavishnu worker --pool NAME --min --max', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path);
  afterAll(() => tmp.remove());

  it('creates a missing pool through the pool_spawn tool, which leaves its audit record', async () => {
    const worker = startWorker('extra', env, ['--min', '1', '--max', '2']);
    try {
      const records = await waitFor(
        'the audit record of pool_spawn',
        async () => {
          const r = await cliAsync(['audit', 'list', '--tool', 'pool_spawn', '--json'], env);
          const list = r.code === 0 ? (JSON.parse(r.stdout).records as Record<string, unknown>[]) : [];
          return list.some((e) => e.phase === 'end') && list;
        },
        40_000,
        250,
      );
      expect(records).toContainEqual(
        expect.objectContaining({ tool: 'pool_spawn', transport: 'cli', outcome: 'ok' }),
      );
    } finally {
      await stopWorker(worker);
    }
    expect(worker.exitCode, worker.log()).toBe(0);
  }, 60_000);
});
