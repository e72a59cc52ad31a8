import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoReplicas } from './helpers/redis.js';
import { bearer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

/**
 * Two replicas on one PostgreSQL and one Redis: the principal lookup is cached in Redis, and a
 * change made through one replica (a revocation, disable-user, enable-user: the users domain's
 * change event) deletes the entry there, so the other sees it well within the cache ttl (30 s
 * here), not when its entry expires.
 */
describe('two replicas sharing the principal cache in Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let stop: () => Promise<void>;
  const TTL_S = 30;

  beforeAll(async () => {
    ({ a, b, stop } = await twoReplicas({
      auth: { principal_cache_ttl_s: TTL_S },
      // the shared principal cache is what is tested here; approvals are (test/approvals*.test.ts)
      approvals: { enabled: false },
    }));
  });
  afterAll(async () => {
    await stop?.();
  });

  const call = async (server: TestServer, token: string, tool: string, input: unknown = {}) =>
    fetch(`${server.url}/api/v1/tools/${tool}`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });

  it('tokens revoked through one replica are refused by the other at once, not after the ttl', async () => {
    const eve = await a.tokenFor('operator', 'eve');
    const root = await a.tokenFor('admin', 'root');
    // both replicas have seen eve: the lookup is in Redis, fresh for 30 s
    expect((await call(a, eve, 'pool_list')).status).toBe(200);
    expect((await call(b, eve, 'pool_list')).status).toBe(200);
    expect(await a.core.cache.get('principal:eve')).toBeDefined();

    const r = await call(a, root, 'security_rotate_secrets', { revoke_tokens: true, users: ['eve'] });
    expect(r.status, await r.clone().text()).toBe(200);

    const started = Date.now();
    await waitFor(
      'replica b to refuse eve',
      async () => (await call(b, eve, 'pool_list')).status === 401,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(TTL_S * 1000);
    expect((await call(b, root, 'pool_list')).status).toBe(200);
  });
  it('a user disabled through one replica is refused by the other within the cache ttl; enabled through it, accepted by the first', async () => {
    const dan = await a.tokenFor('operator', 'dan');
    const root = await b.tokenFor('admin', 'root2');
    expect((await call(a, dan, 'pool_list')).status).toBe(200);
    expect((await call(b, dan, 'pool_list')).status).toBe(200);
    // b holds dan's lookup, fresh for 30 s: only the users domain's change event can end that early
    expect(await b.core.cache.get('principal:dan')).toBeDefined();

    const r = await call(a, root, 'auth_disable_user', { username: 'dan' });
    expect(r.status, await r.clone().text()).toBe(200);
    const started = Date.now();
    await waitFor(
      'replica b to refuse dan',
      async () => (await call(b, dan, 'pool_list')).status === 401,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(TTL_S * 1000);
    expect((await call(a, dan, 'pool_list')).status).toBe(401);

    expect((await call(b, root, 'auth_enable_user', { username: 'dan' })).status).toBe(200);
    await waitFor(
      'replica a to accept dan again',
      async () => (await call(a, dan, 'pool_list')).status === 200,
      10_000,
    );
  });
});
