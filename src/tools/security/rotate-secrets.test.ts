import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, testCore } from '../../../test/helpers/core.js';
import type { Core } from '../../core/core.js';
import { invoke } from '../invoke.js';
import { securityRotateSecrets } from './rotate-secrets.js';

const SIGN = 'sign-me-0123456789abcdef0123456789abcdef';
const SEAL = 'seal-me-0123456789abcdef0123456789abcdef';

type Result = {
  kid: string;
  secrets: Array<{ secret: string; action: string; detail: string }>;
  dry_run?: true;
  plan: string[];
};
const rotate = (core: Core, input: Record<string, unknown> = {}) =>
  invoke(securityRotateSecrets, input, { core, principal: admin }) as Promise<Result>;
const works = async (core: Core, token: string) =>
  core.tokens.principal(token, 'api').then(
    () => true,
    () => false,
  );

describe.each(['sqlite', 'postgres'] as const)('security rotate-secrets on %s', (kind) => {
  let core: Core;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore(kind, {
      backup: { signing_key: SIGN, encryption_key: SEAL },
    }));
    await core.users.create({ username: 'ann', role: 'admin' });
    await core.users.create({ username: 'bob', role: 'viewer', password: 'correct horse battery' });
  });
  afterAll(async () => cleanup());

  it('dry_run reports the plan and changes nothing', async () => {
    const token = (await core.tokens.mint('ann', 600)).token;
    const keys = await core.keys.list();
    const out = await rotate(core, { dry_run: true, revoke_previous: true, revoke_tokens: true });
    expect(out.dry_run).toBe(true);
    expect(out.plan.join('\n')).toMatch(/revoke 1 key/);
    expect(out.plan.join('\n')).toContain('backup.signing_key, backup.encryption_key');
    expect(await core.keys.list()).toEqual(keys);
    expect((await core.users.tokenState('ann'))?.tokens_not_before).toBeNull();
    expect(await works(core, token)).toBe(true);
  });

  it('rotates the signing key and keeps tokens minted before working', async () => {
    const before = await core.tokens.mint('ann', 600);
    const out = await rotate(core);
    expect(out.kid).not.toBe(before.kid);
    expect((await core.keys.list()).find((k) => k.active)?.kid).toBe(out.kid);
    expect(await works(core, before.token)).toBe(true);
    const by = Object.fromEntries(out.secrets.map((s) => [s.secret, s]));
    expect(by['token signing key']).toMatchObject({ action: 'rotated' });
    expect(by['token signing key']!.detail).toContain(before.kid);
    expect(by.api_tokens).toMatchObject({ action: 'not_rotated' });
    expect(by['backup.signing_key']).toMatchObject({ action: 'external' });
    expect(by['backup.signing_key']!.detail).toContain('openssl rand -hex 32');
    expect(by['backup.signing_key']!.detail).toContain('MAHAVISHNU_BACKUP__SIGNING_KEY');
    expect(by['backup.signing_key']!.detail).toContain('old key');
    expect(by['backup.encryption_key']).toMatchObject({ action: 'external' });
    expect(by['user passwords']).toMatchObject({ action: 'not_rotated' });
    expect(by['user passwords']!.detail).toMatch(/^1 user\(s\) have a password/);
  });

  it('--revoke-tokens for named users refuses only their old tokens; new ones work', async () => {
    const ann = (await core.tokens.mint('ann', 600)).token;
    const bob = (await core.tokens.mint('bob', 600)).token;
    const out = await rotate(core, { revoke_tokens: true, users: ['bob'] });
    expect(out.secrets.find((s) => s.secret === 'api_tokens')).toMatchObject({ action: 'revoked' });
    expect(await works(core, bob)).toBe(false);
    await expect(core.tokens.principal(bob, 'api')).rejects.toThrow(/revocation/);
    expect(await works(core, ann)).toBe(true);
    // minted right after the revocation, in the same second: accepted
    expect(await works(core, (await core.tokens.mint('bob', 600)).token)).toBe(true);
  });

  it('--revoke-tokens without users refuses every old token; an unknown user changes nothing', async () => {
    const ann = (await core.tokens.mint('ann', 600)).token;
    const keys = await core.keys.list();
    await expect(rotate(core, { revoke_tokens: true, users: ['nobody'] })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(rotate(core, { users: ['ann'] })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await core.keys.list()).toEqual(keys);
    expect(await works(core, ann)).toBe(true);
    await rotate(core, { revoke_tokens: true });
    expect(await works(core, ann)).toBe(false);
    expect(await works(core, (await core.tokens.mint('ann', 600)).token)).toBe(true);
  });

  it('--revoke-previous revokes every older key; neither result nor audit holds a secret value', async () => {
    const before = await core.tokens.mint('ann', 600);
    const out = await rotate(core, { revoke_previous: true });
    expect(await works(core, before.token)).toBe(false);
    expect(out.secrets.find((s) => s.secret === 'previous token signing keys')).toMatchObject({
      action: 'revoked',
    });
    expect((await core.keys.jwks()).keys.map((k) => k.kid)).toEqual([out.kid]);

    const privateKeys = await core.db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
    const secrets = [SIGN, SEAL, ...privateKeys.map((r) => JSON.parse(r.private_key).d as string)];
    const audit = JSON.stringify(await core.audit.list({ limit: 100, tool: 'security_rotate_secrets' }));
    expect(audit).toContain('security_rotate_secrets');
    for (const s of secrets) {
      expect(JSON.stringify(out)).not.toContain(s);
      expect(audit).not.toContain(s);
    }
  });

  it('the per-user revocation time travels in backups (the dump finds the column itself)', async () => {
    await rotate(core, { revoke_tokens: true, users: ['ann'] });
    const saved = (await core.users.tokenState('ann'))?.tokens_not_before;
    expect(saved).toEqual(expect.any(Number));
    const b = await core.backups.create({ type: 'full' });
    await core.db.query('UPDATE users SET tokens_not_before = NULL');
    await core.backups.restore(b.id);
    expect((await core.users.tokenState('ann'))?.tokens_not_before).toBe(saved);
  });
});
