import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cli, cliAsync } from './helpers/cli.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { mintToken, tokenStatus } from './helpers/tokens.js';

/**
 * The security runbook, literally: rotate secrets, then restore. The restore must not re-open
 * what the rotation closed, must not kill tokens minted since, and must not rewind the audit log.
 */
describe('rotate with --revoke-previous, then restore the backup from before it', () => {
  const tmp = tempDir();
  let env: Record<string, string>;
  let s: ServeProcess;
  const status = (token: string) => tokenStatus(s.url, token);
  const mint = (username: string) => mintToken(username, env);

  beforeAll(async () => {
    env = childEnv(tmp.path, {
      MAHAVISHNU_BACKUP__SIGNING_KEY: 'runbook-sign-0123456789abcdef0123456789abcdef',
      MAHAVISHNU_BACKUP__ENCRYPTION_KEY: 'runbook-seal-0123456789abcdef0123456789abcdef',
      // the runbook's security rules are what is tested here; approvals are (test/approvals*.test.ts)
      MAHAVISHNU_APPROVALS__ENABLED: 'false',
    });
    s = await spawnServe(env);
  });
  afterAll(async () => {
    await s?.stop();
    tmp.remove();
  });

  it('T1 stays revoked, a token minted after the backup still works, the audit log keeps the rotation and ends with the restore', async () => {
    const t1 = s.adminToken();
    expect(await status(t1)).toBe(200);

    const backup = cli(['backup', 'create', '--type', 'full', '--json'], env);
    expect(backup.code, backup.stderr).toBe(0);
    const id = JSON.parse(backup.stdout).id as string;

    const rotate = await cliAsync(
      [
        '--server',
        s.url,
        'security',
        'rotate-jwt-secret',
        '--revoke-previous',
        '--include-own-token',
        '--json',
        '--yes',
      ],
      { ...env, MAHAVISHNU_TOKEN: t1 },
    );
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(await status(t1)).toBe(401);

    const t2 = mint('root');
    expect(await status(t2)).toBe(200);

    const restore = await cliAsync(['--server', s.url, 'backup', 'restore', id, '--json', '--yes'], {
      ...env,
      MAHAVISHNU_TOKEN: t2,
    });
    expect(restore.code, restore.stderr).toBe(0);
    const r = JSON.parse(restore.stdout);
    expect(r.replaced).toContain('pools');
    expect(r.merged.map((m: { table: string }) => m.table)).toEqual(
      expect.arrayContaining(['signing_keys', 'users', 'audit_log']),
    );

    expect(await status(t1)).toBe(401);
    expect(await status(t2)).toBe(200);

    const verify = cli(['audit', 'verify', '--json'], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).ok).toBe(true);

    const list = cli(['audit', 'list', '--json', '--limit', '200'], env);
    const entries = JSON.parse(list.stdout).records as {
      seq: number;
      tool: string;
      phase: string;
    }[];
    const tools = entries.map((e) => e.tool);
    expect(tools).toContain('security_rotate_jwt_secret');
    // newest first: the restore's records are the last ones written, sequence numbers only grow
    expect(entries[0]!.tool).toBe('backup_restore');
    const seqs = entries.map((e) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  }, 120_000);
});
