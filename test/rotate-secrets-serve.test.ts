import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cli, cliAsync } from './helpers/cli.js';
import { freshDatabase } from './helpers/pg.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { mintToken, tokenStatus } from './helpers/tokens.js';
import { waitFor } from './helpers/wait.js';

const SIGN = 'sign-me-5ea1c0de5ea1c0de5ea1c0de5ea1c0de';
const SEAL = 'seal-me-5ea1c0de5ea1c0de5ea1c0de5ea1c0de';
const DB_PASSWORD = 'pg-pass-5ea1c0de5ea1c0de';

describe.each(['sqlite', 'postgres'] as const)(
  'security rotate-secrets against `mahavishnu serve` on %s',
  (kind) => {
    const tmp = tempDir();
    let env: Record<string, string>;
    let s: ServeProcess;
    let dropDb: (() => Promise<void>) | undefined;
    const status = (token: string) => tokenStatus(s.url, token);
    const mint = (username: string) => mintToken(username, env);

    beforeAll(async () => {
      const extra: Record<string, string> = {
        MAHAVISHNU_BACKUP__SIGNING_KEY: SIGN,
        MAHAVISHNU_BACKUP__ENCRYPTION_KEY: SEAL,
        // the rotations here are what is tested; approvals are (test/approvals*.test.ts)
        MAHAVISHNU_APPROVALS__ENABLED: 'false',
      };
      if (kind === 'postgres') {
        const db = await freshDatabase();
        dropDb = db.drop;
        // the test server trusts local connections, so the password is carried but never checked
        const url = new URL(db.url);
        url.password = DB_PASSWORD;
        extra.MAHAVISHNU_DATABASE__URL = url.toString();
      }
      env = childEnv(tmp.path, extra);
      s = await spawnServe(env);
    });
    afterAll(async () => {
      await s?.stop();
      await dropDb?.();
      tmp.remove();
    });

    it('old tokens work after rotate-secrets, stop after --revoke-tokens and --revoke-previous; no value leaks', async () => {
      const root = s.adminToken();
      expect(cli(['auth', 'create-user', '--username', 'bob', '--role', 'operator'], env).code).toBe(0);
      const bob = mint('bob');

      // routine rotation, through the server: every token keeps working
      const plain = await cliAsync(['--server', s.url, 'security', 'rotate-secrets', '--json', '--yes'], {
        ...env,
        MAHAVISHNU_TOKEN: root,
      });
      expect(plain.code, plain.stderr).toBe(0);
      const out = JSON.parse(plain.stdout);
      expect(out.kid).toEqual(expect.any(String));
      const actions = Object.fromEntries(
        out.secrets.map((x: { secret: string; action: string }) => [x.secret, x.action]),
      );
      expect(actions).toMatchObject({
        'token signing key': 'rotated',
        api_tokens: 'not_rotated',
        'backup.signing_key': 'external',
        'backup.encryption_key': 'external',
        'user passwords': 'not_rotated',
        ...(kind === 'postgres' ? { 'database.url password': 'external' } : {}),
      });
      expect(await status(root)).toBe(200);
      expect(await status(bob)).toBe(200);

      // bob's tokens, revoked by the in-process CLI over the same store: refused by the server within
      // auth.principal_cache_ttl_s (the CLI's memory cache is not the server's; with Redis it is at once)
      const revokeBob = cli(
        ['security', 'rotate-secrets', '--revoke-tokens', '--users', 'bob', '--json', '--yes'],
        env,
      );
      expect(revokeBob.code, revokeBob.stderr).toBe(0);
      await waitFor('bob refused', async () => (await status(bob)) === 401, 10_000);
      expect(await status(root)).toBe(200);
      expect(await status(mint('bob'))).toBe(200);

      // a compromise: revoke every older key, through the server
      const revokeKeys = await cliAsync(
        [
          '--server',
          s.url,
          'security',
          'rotate-secrets',
          '--revoke-previous',
          '--include-own-token',
          '--json',
          '--yes',
        ],
        { ...env, MAHAVISHNU_TOKEN: root },
      );
      expect(revokeKeys.code, revokeKeys.stderr).toBe(0);
      expect(await status(root)).toBe(401);
      const fresh = mint('root');
      expect(await status(fresh)).toBe(200);

      const audit = cli(['audit', 'list', '--json', '--limit', '50'], env);
      expect(audit.stdout).toContain('security_rotate_secrets');
      for (const text of [plain.stdout, revokeBob.stdout, revokeKeys.stdout, audit.stdout, s.stderr()])
        for (const secret of [SIGN, SEAL, DB_PASSWORD]) expect(text).not.toContain(secret);
      // eight CLI processes one after another: a liveness bound for a loaded two-core machine
    }, 90_000);
  },
);
