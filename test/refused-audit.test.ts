import { afterEach, describe, expect, it } from 'vitest';
import { callRemote } from '../src/cli/remote.js';
import { backupSettings } from './helpers/backup.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

/** Each refusal of the hostile list leaves a `refused` audit record naming the caller and its token. */
describe('refused calls are audited', () => {
  const archives = tempDir('mahavishnu-refused-');
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
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
});
