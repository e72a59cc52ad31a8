import { resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { callRemote } from '../src/cli/remote.js';
import { backupSettings } from './helpers/backup.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { forgeToken } from './helpers/tokens.js';

/** Each refusal of the hostile list leaves a `refused` audit record naming the caller and its token. */
describe('refused calls are audited', () => {
  const archives = tempDir('mahavishnu-refused-');
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  afterAll(() => archives.remove());
  const refusedOf = async (tool: string) =>
    (await t!.core.audit.list({ limit: 100, tool })).filter((r) => r.phase === 'refused');
  const refuse = (tool: string, input: unknown, token: string) =>
    callRemote(t!.url, tool, input, token).then(
      () => expect.unreachable(`${tool} should be refused`),
      (e: { code: string }) => e.code,
    );

  it('role, invalid input, a replayed or mismatched approval, each with the token id', async () => {
    t = await startTestServer(backupSettings(archives.path));
    const viewer = await t.tokenFor('viewer', 'eve');
    const admin = await t.tokenFor('admin', 'agent');
    expect(await refuse('auth_create_user', { username: 'mallory', role: 'admin' }, viewer)).toBe(
      'forbidden',
    );
    const [role] = await refusedOf('auth_create_user');
    expect(role).toMatchObject({ principal: 'eve', error_code: 'forbidden', token_id: expect.any(String) });

    // a huge free-text input is refused, and its record stays small
    expect(await refuse('auth_create_user', { username: 'x'.repeat(500_000), role: 'viewer' }, admin)).toBe(
      'invalid_input',
    );
    const [big] = await refusedOf('auth_create_user');
    expect(big).toMatchObject({ principal: 'agent', error_code: 'invalid_input' });
    expect(JSON.stringify(big!.input).length).toBeLessThan(6000);

    // an approval id that does not exist, then one for other arguments
    const { id } = (await t.core.backups.create({ type: 'full' })) as { id: string };
    expect(
      await refuse('backup_restore', { backup_id: id, approval_id: 'apr_0123456789abcdefghij' }, admin),
    ).toBe('forbidden');
    expect(await refuse('backup_prune', { keep_last: 1 }, admin)).toBe('approval_required');
    const [pending] = await t.core.approvals.list({ pending: true });
    await t.core.approvals.decide(
      pending!.id,
      { username: 'human', role: 'admin', transport: 'web' },
      'approved',
    );
    expect(await refuse('backup_prune', { keep_last: 2, approval_id: pending!.id }, admin)).toBe('forbidden');
    expect((await refusedOf('backup_restore'))[0]?.input).toMatchObject({
      reason: expect.stringContaining('no such approval'),
    });
    expect((await refusedOf('backup_prune'))[0]?.input).toMatchObject({
      reason: expect.stringContaining('other arguments'),
    });
    expect((await t.core.audit.list({ limit: 100, tool: 'backup_prune' })).map((r) => r.phase)).toContain(
      'approval_requested',
    );
  });

  it('policy refusals, and read-only calls when audit.read_calls asks', async () => {
    t = await startTestServer({ policy: { disabled_tools: ['pool'] }, audit: { read_calls: true } });
    const admin = await t.tokenFor('admin', 'agent');
    expect(await refuse('pool_spawn', { name: 'p', min: 1, max: 1 }, admin)).toBe('forbidden');
    expect((await refusedOf('pool_spawn'))[0]?.input).toMatchObject({
      reason: expect.stringContaining('policy.disabled_tools'),
    });
    await callRemote(t.url, 'auth_list_users', {}, admin);
    const reads = await t.core.audit.list({ limit: 10, tool: 'auth_list_users' });
    expect(reads.map((r) => r.phase)).toEqual(['end', 'begin']);
    const since = new Date(Date.now() - 60_000).toISOString();
    expect(await t.core.audit.list({ limit: 10, principal: 'agent', since })).toHaveLength(3);
  });

  it('the rest of the hostile list: denied, expired and reused approvals, own-token revocation, huge params, read-only, refused tokens', async () => {
    t = await startTestServer({ workflows: { dir: resolve('workflows') }, pools: { enabled: false } });
    const core = t.core;
    const agent = await t.tokenFor('admin', 'agent');
    const human = { username: 'human', role: 'admin' as const, transport: 'web' as const };
    const reasonOf = async (tool: string) =>
      (await refusedOf(tool)).map((r) => (r.input as { reason: string }).reason);

    // a denied approval, used anyway
    expect(await refuse('security_rotate_jwt_secret', {}, agent)).toBe('approval_required');
    const [first] = await core.approvals.list({ pending: true });
    await core.approvals.decide(first!.id, human, 'denied');
    expect(await refuse('security_rotate_jwt_secret', { approval_id: first!.id }, agent)).toBe('forbidden');
    // an approval used twice
    expect(await refuse('security_rotate_jwt_secret', {}, agent)).toBe('approval_required');
    const [second] = await core.approvals.list({ pending: true });
    await core.approvals.decide(second!.id, human, 'approved');
    await callRemote(t.url, 'security_rotate_jwt_secret', { approval_id: second!.id }, agent);
    expect(await refuse('security_rotate_jwt_secret', { approval_id: second!.id }, agent)).toBe('forbidden');
    // an expired approval
    expect(await refuse('security_rotate_jwt_secret', {}, agent)).toBe('approval_required');
    const [third] = await core.approvals.list({ pending: true });
    await core.db.query("UPDATE approvals SET state = 'expired' WHERE id = $1", [third!.id]);
    expect(await refuse('security_rotate_jwt_secret', { approval_id: third!.id }, agent)).toBe('forbidden');
    const rotations = await reasonOf('security_rotate_jwt_secret');
    for (const why of ['denied it', 'already used', 'expired'])
      expect(
        rotations.some((r) => r.includes(why)),
        why,
      ).toBe(true);

    // a revocation that would cut off the caller's own token, without the flag: refused before an
    // approval is even asked for
    const mine = (await callRemote(t.url, 'auth_list_tokens', { username: 'agent', live: true }, agent)) as {
      tokens: Array<{ jti: string }>;
    };
    const pendingBefore = (await core.approvals.list({ pending: true })).length;
    expect(await refuse('auth_revoke_token', { jti: mine.tokens[0]!.jti }, agent)).toBe('invalid_input');
    expect((await core.approvals.list({ pending: true })).length).toBe(pendingBefore);
    expect((await reasonOf('auth_revoke_token'))[0]).toContain('would cut off your own access');

    // a 500 KB workflow parameter
    const op = await t.tokenFor('operator', 'op');
    expect(await refuse('workflow_run', { name: 'hello', params: { who: 'x'.repeat(500_000) } }, op)).toBe(
      'invalid_input',
    );
    const [huge] = await refusedOf('workflow_run');
    expect(huge).toMatchObject({ principal: 'op', error_code: 'invalid_input' });
    expect(JSON.stringify(huge!.input).length).toBeLessThan(6000);
    // the disk-usage allowlist
    expect(await refuse('workflow_run', { name: 'disk-usage', params: { path: '/etc' } }, op)).toBe(
      'invalid_input',
    );
    // refused by the workflow's own param rules, after the begin record: its end record says so
    const ends = (await t.core.audit.list({ limit: 20, tool: 'workflow_run' })).filter(
      (r) => r.phase === 'end',
    );
    expect(ends[0]).toMatchObject({ principal: 'op', outcome: 'error', error_code: 'invalid_input' });

    // refused tokens: revoked alone, disabled user, too long a lifetime, iat in the future
    const victim = await t.tokenFor('viewer', 'victim');
    const [vt] = await core.users.tokens.list({ username: 'victim' });
    await core.users.revokeToken(vt!.jti, 'human');
    await expect(callRemote(t.url, 'auth_list_users', {}, victim)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const disabled = await t.tokenFor('viewer', 'gone');
    await core.users.setDisabled('gone', true);
    await expect(callRemote(t.url, 'auth_list_users', {}, disabled)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const now = Math.floor(Date.now() / 1000);
    for (const [iat, exp] of [
      [now, now + 90 * 86_400],
      [now + 3600, now + 7200],
    ] as const)
      await expect(
        callRemote(t.url, 'auth_list_users', {}, await forgeToken(core, 'op', iat, exp)),
      ).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    const tokens = await refusedOf('auth_token');
    expect(tokens.map((r) => r.principal).sort()).toEqual(['gone', 'op', 'op', 'victim']);
    expect(tokens.find((r) => r.principal === 'victim')).toMatchObject({
      token_id: vt!.jti,
      error_code: 'unauthenticated',
    });
    const why = tokens.map((r) => (r.input as { reason: string }).reason).join('\n');
    for (const text of ['was revoked', 'is disabled', 'longer than auth.max_token_ttl', 'in the future'])
      expect(why).toContain(text);
  });

  it('policy.read_only refusals are audited too', async () => {
    t = await startTestServer({ policy: { read_only: true } });
    const admin = await t.tokenFor('admin', 'agent');
    expect(await refuse('auth_create_user', { username: 'late', role: 'viewer' }, admin)).toBe('forbidden');
    expect((await refusedOf('auth_create_user'))[0]?.input).toMatchObject({
      reason: expect.stringContaining('policy.read_only'),
    });
  });
});
