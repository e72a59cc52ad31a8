import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCore } from '../../../test/helpers/core.js';
import type { Core } from '../core.js';
import { parseTtl } from './tokens.js';

describe('parseTtl', () => {
  it('reads s/m/h/d and refuses anything else, saying how to write it', () => {
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('7d')).toBe(7 * 86400);
    for (const bad of ['1w', '0h', '', 'h', '400d'])
      expect(() => parseTtl(bad)).toThrow(/e\.g\. 15m, 1h or 7d/);
  });
});

describe.each(['sqlite', 'postgres'] as const)('signing keys and tokens on %s', (kind) => {
  let core: Core;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore(kind));
    await core.users.create({ username: 'erin', role: 'operator' });
  });
  afterAll(async () => cleanup());

  it('mints a token whose principal has the role from the store', async () => {
    const { token, kid } = await core.tokens.mint('erin', 60);
    expect(token.split('.')).toHaveLength(3);
    expect(await core.tokens.principal(token, 'api')).toEqual({
      username: 'erin',
      role: 'operator',
      transport: 'api',
      // the token's jti, which the audit records of its calls name
      tokenId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect((await core.keys.list()).find((k) => k.active)?.kid).toBe(kid);
  });

  it('refuses to mint for an unknown user', async () => {
    await expect(core.tokens.mint('nobody', 60)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps old tokens working after a rotation and stops them after a rotation that revokes', async () => {
    const before = await core.tokens.mint('erin', 60);
    const rotated = await core.keys.rotate(false);
    expect(rotated.retired).toEqual([before.kid]);
    const after = await core.tokens.mint('erin', 60);
    expect(after.kid).toBe(rotated.kid);
    expect((await core.tokens.verify(before.token)).username).toBe('erin');
    expect((await core.keys.jwks()).keys.map((k) => k.kid)).toEqual(
      expect.arrayContaining([before.kid, after.kid]),
    );

    const revoked = await core.keys.rotate(true);
    expect(revoked.revoked).toEqual(expect.arrayContaining([before.kid, after.kid]));
    await expect(core.tokens.verify(before.token)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(core.tokens.verify(after.token)).rejects.toMatchObject({ code: 'unauthenticated' });
    const fresh = await core.tokens.mint('erin', 60);
    expect(fresh.kid).toBe(revoked.kid);
    expect((await core.tokens.verify(fresh.token)).username).toBe('erin');
    expect((await core.keys.jwks()).keys.map((k) => k.kid)).toEqual([revoked.kid]);
  });

  it('signs with the new key after another process rotated', async () => {
    const { kid } = await core.tokens.mint('erin', 60);
    // another process: its own SigningKeys over the same store
    const { SigningKeys } = await import('./keys.js');
    const rotated = await new SigningKeys(core.db).rotate(true);
    await new Promise((r) => setTimeout(r, 1100)); // this process's key cache lives 1 s
    const next = await core.tokens.mint('erin', 60);
    expect(next.kid).not.toBe(kid);
    expect(next.kid).toBe(rotated.kid);
    expect((await core.tokens.verify(next.token)).username).toBe('erin');
  });

  it('stores the private key only in the private_key column, never in JWKS', async () => {
    const rows = await core.db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.parse(rows[0]!.private_key)).toHaveProperty('d');
    expect(JSON.stringify(await core.keys.jwks())).not.toContain('"d"');
  });
});
