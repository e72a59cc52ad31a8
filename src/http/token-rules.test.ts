import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, testCore } from '../../test/helpers/core.js';
import { forgeToken } from '../../test/helpers/tokens.js';
import type { Core } from '../core/core.js';
import { McpHttp } from '../mcp/http.js';
import { backupRestore } from '../tools/backup/restore.js';
import { TOOLS } from '../tools/index.js';
import { invoke } from '../tools/invoke.js';
import { createApp } from './app.js';

/**
 * Our own token rules over the action API (app.request(), embedded store): disable/enable a user,
 * revoke one token, who minted it, the lifetime and issued-at rules, and the switch a revocation
 * of the caller's own access needs. Approvals are off here: they have their own tests.
 */
describe('token rules and access changes over HTTP', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let mcp: McpHttp;
  let app: ReturnType<typeof createApp>;
  let admin: { token: string; jti: string };

  const req = (path: string, init: RequestInit = {}) =>
    app.request(`http://localhost${path}`, {
      ...init,
      headers: { host: 'localhost', ...(init.headers as Record<string, string>) },
    });
  const call = async (tool: string, input: unknown, bearer: string) => {
    const res = await req(`/api/v1/tools/${tool}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify(input),
    });
    return {
      status: res.status, // biome-ignore lint/suspicious/noExplicitAny: test bodies are read loosely and asserted on
      body: (await res.json()) as Record<string, any>,
    };
  };
  const whoami = (bearer: string) => call('auth_list_users', {}, bearer);

  const forge = (sub: string, iat: number, exp: number) => forgeToken(core, sub, iat, exp);

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', { approvals: { enabled: false } }));
    mcp = new McpHttp(core, { tools: TOOLS });
    app = createApp({ core, state: { draining: false }, mcp, tools: TOOLS });
    await core.users.create({ username: 'boss', role: 'admin' });
    await core.users.create({ username: 'ops', role: 'operator' });
    admin = await core.tokens.mint('boss', 600);
  });
  afterAll(async () => {
    await mcp.closeAll();
    await cleanup();
  });

  it('a token an admin mints for another user records who minted it', async () => {
    const minted = await call('auth_create_token', { username: 'ops', ttl: '10m' }, admin.token);
    expect(minted.status).toBe(200);
    const { jti } = minted.body.result;
    const list = await call('auth_list_tokens', { username: 'ops' }, admin.token);
    expect(list.body.result.tokens).toEqual([
      expect.objectContaining({ jti, username: 'ops', minted_by: 'boss', revoked_at: null }),
    ]);
  });

  it('disable-user: dry run names the live tokens; then they get 401 at once; enable-user restores them', async () => {
    const t1 = await core.tokens.mint('ops', 600);
    expect((await whoami(t1.token)).status).toBe(200);
    const plan = await call('auth_disable_user', { username: 'ops', dry_run: true }, admin.token);
    expect(plan.body.result.impact).toMatchObject({ user: 'ops', cuts_off_caller: false });
    expect(plan.body.result.impact.tokens.map((t: { jti: string }) => t.jti)).toContain(t1.jti);
    expect((await whoami(t1.token)).status).toBe(200); // a dry run changes nothing

    const done = await call('auth_disable_user', { username: 'ops' }, admin.token);
    expect(done.body.result).toMatchObject({ user: { disabled: true } });
    expect(done.body.result.live_tokens_refused).toBeGreaterThanOrEqual(2);
    const refused = await whoami(t1.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(
      /user "ops" is disabled.*`auth_enable_user \{"username":"ops"\}`/,
    );
    const audit = await core.audit.list({ limit: 5, tool: 'auth_disable_user' });
    expect(audit.some((r) => r.principal === 'boss' && r.outcome === 'ok')).toBe(true);

    expect((await call('auth_enable_user', { username: 'ops' }, admin.token)).status).toBe(200);
    expect((await whoami(t1.token)).status).toBe(200);
  });

  it('revoke-token refuses that token alone, at once', async () => {
    const a = await core.tokens.mint('ops', 600);
    const b = await core.tokens.mint('ops', 600);
    expect((await whoami(a.token)).status).toBe(200); // cached as good
    const r = await call('auth_revoke_token', { jti: a.jti }, admin.token);
    expect(r.body.result).toMatchObject({
      already_revoked: false,
      token: { jti: a.jti, revoked_by: 'boss' },
    });
    const refused = await whoami(a.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain(`token ${a.jti} of "ops" was revoked`);
    expect((await whoami(b.token)).status).toBe(200);
  });

  it("cutting off the caller's own access says so in the plan and needs include_own_token", async () => {
    const own = await core.tokens.mint('boss', 600);
    const plan = await call('auth_revoke_token', { jti: own.jti, dry_run: true }, own.token);
    expect(plan.body.result.impact.cuts_off_caller).toBe(true);
    const refused = await call('auth_revoke_token', { jti: own.jti }, own.token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/your own access.*include_own_token/);
    expect((await whoami(own.token)).status).toBe(200);
    const self = await call('auth_disable_user', { username: 'boss' }, own.token);
    expect(self.body.error.message).toMatch(/your own access/);
    const done = await call('auth_revoke_token', { jti: own.jti, include_own_token: true }, own.token);
    expect(done.status).toBe(200);
    expect((await whoami(own.token)).status).toBe(401);
  });

  it('refuses minting and using tokens that live longer than auth.max_token_ttl', async () => {
    const long = await call('auth_create_token', { username: 'ops', ttl: '31d' }, admin.token);
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/auth\.max_token_ttl/);
    const now = Math.floor(Date.now() / 1000);
    const forged = await whoami(await forge('ops', now, now + 365 * 86_400));
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toMatch(/longer than auth\.max_token_ttl/);
  });

  it('refuses an iat in the future beyond the skew, and a future iat does not outlive a revocation', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ahead = await whoami(await forge('ops', now + 3600, now + 7200));
    expect(ahead.status).toBe(401);
    expect(ahead.body.error.message).toMatch(/in the future/);
    // within the skew, minted before the revocation: refused after it
    const early = await forge('ops', now + 50, now + 600);
    expect((await whoami(early)).status).toBe(200);
    await core.users.revokeTokens((now + 1) * 1000, ['ops']);
    expect((await whoami(early)).status).toBe(401);
    // a token minted after the revocation works
    expect((await whoami((await core.tokens.mint('ops', 600)).token)).status).toBe(200);
  });
  it('rotate plans count the live tokens that stop and refuse cutting off the caller without the flag', async () => {
    const mine = await core.tokens.mint('boss', 600);
    const before = await core.tokens.mint('ops', 600);
    const live = (await core.users.tokens.list({ live: true })).length;
    const jwt = await call(
      'security_rotate_jwt_secret',
      { revoke_previous: true, dry_run: true },
      mine.token,
    );
    expect(jwt.body.result.impact).toMatchObject({ cuts_off_caller: true });
    expect(jwt.body.result.impact.live_tokens_stopped).toBeGreaterThanOrEqual(2);
    expect(jwt.body.result.impact.live_tokens_stopped).toBeLessThanOrEqual(live);
    expect(jwt.body.result.plan.join('\n')).toMatch(/live token\(s\) stop working.*\n.*include_own_token/s);
    const refused = await call('security_rotate_jwt_secret', { revoke_previous: true }, mine.token);
    expect(refused.status).toBe(400);
    expect((await whoami(before.token)).status).toBe(200); // nothing was revoked

    const ops = await call(
      'security_rotate_secrets',
      { revoke_tokens: true, users: ['ops'], dry_run: true },
      mine.token,
    );
    expect(ops.body.result.impact).toMatchObject({
      cuts_off_caller: false,
      by_user: { ops: expect.any(Number) },
    });
    expect(ops.body.result.impact.by_user.boss).toBeUndefined();
    const all = await call('security_rotate_secrets', { revoke_tokens: true, dry_run: true }, mine.token);
    expect(all.body.result.impact.cuts_off_caller).toBe(true);
    expect((await call('security_rotate_secrets', { revoke_tokens: true }, mine.token)).status).toBe(400);
    const done = await call(
      'security_rotate_jwt_secret',
      { revoke_previous: true, include_own_token: true },
      mine.token,
    );
    expect(done.status).toBe(200);
    expect((await whoami(mine.token)).status).toBe(401);
    expect((await whoami(before.token)).status).toBe(401);
    admin = await core.tokens.mint('boss', 600);
  });
});

describe('a restore plan says what happens to the live tokens', () => {
  it('none is revoked; the tokens of users the restore narrows are counted apart', async () => {
    const key = 'token-rules-backup-key-0123456789abcdef';
    const { core, cleanup } = await testCore('sqlite', { backup: { signing_key: key, encryption_key: key } });
    try {
      await core.users.create({ username: 'stays', role: 'viewer' });
      await core.users.create({ username: 'promoted', role: 'viewer' });
      const { id } = await core.backups.create({ type: 'full' });
      // promoted since the backup: the archive's lower role wins, so the restore narrows the user
      await core.db.query("UPDATE users SET role = 'admin' WHERE username = 'promoted'");
      await core.tokens.mint('stays', 600);
      await core.tokens.mint('promoted', 600);
      await core.tokens.mint('promoted', 600);
      const plan = (await invoke(
        backupRestore,
        { backup_id: id, dry_run: true },
        { core, principal: admin },
      )) as unknown as {
        plan: string[];
        impact: { tokens: Record<string, number> };
      };
      expect(plan.impact.tokens).toEqual({ live: 3, keep_working: 1, of_narrowed_users: 2 });
      expect(plan.plan.join('\n')).toContain('tokens: 1 of 3 live token(s) keep working');
    } finally {
      await cleanup();
    }
  });
});
