import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, json, startTestServer, type TestServer } from './helpers/server.js';

describe('security rotate-jwt-secret through the running server', () => {
  let t: TestServer;
  const call = (tool: string, input: unknown, token: string) =>
    fetch(`${t.url}/api/v1/tools/${tool}`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
  beforeAll(async () => {
    // the rotation is what is tested here; approvals are (test/approvals*.test.ts)
    t = await startTestServer({ approvals: { enabled: false } });
  });
  afterAll(async () => t.stop());

  it('a token minted before a rotation still works after it, and stops at once after --revoke-previous', async () => {
    const old = await t.tokenFor('admin', 'root');
    const plan = await json(await call('security_rotate_jwt_secret', { dry_run: true }, old));
    expect(plan.result.plan.join(' ')).toContain('keep working until they expire');

    const rotated = await call('security_rotate_jwt_secret', {}, old);
    expect(rotated.status).toBe(200);
    expect((await call('auth_list_users', {}, old)).status).toBe(200);
    const jwks = await json(await fetch(`${t.url}/.well-known/jwks.json`));
    expect(jwks.keys).toHaveLength(2);

    const revoked = await call(
      'security_rotate_jwt_secret',
      { revoke_previous: true, include_own_token: true },
      old,
    );
    expect(revoked.status).toBe(200);
    const after = await call('auth_list_users', {}, old);
    expect(after.status).toBe(401);
    expect((await json(after)).error.message).toContain('revoked');

    // the rotation is in the audit log under the caller's name
    const fresh = (await t.core.tokens.mint('root', 60)).token;
    const audit = await json(await call('audit_list', { limit: 10 }, fresh));
    expect(JSON.stringify(audit.result)).toContain('security_rotate_jwt_secret');
  });
});
