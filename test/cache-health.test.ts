import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { Health } from '../src/core/health/health.js';
import { toolByName } from '../src/tools/index.js';
import { invoke } from '../src/tools/invoke.js';
import { admin, testCore } from './helpers/core.js';
import { type TcpProxy, tcpProxy } from './helpers/proxy.js';
import { redisCache } from './helpers/redis.js';
import { waitFor } from './helpers/wait.js';

/** A core whose cache is Redis behind a proxy that can make Redis "go away". */
describe('the cache component with Redis', () => {
  let proxy: TcpProxy;
  let core: Core;
  let cleanup: () => Promise<void>;
  const cacheHealth = async () => (await core.health.components(true)).find((c) => c.name === 'cache')!;

  beforeAll(async () => {
    proxy = await tcpProxy('127.0.0.1', 6379);
    ({ core, cleanup } = await testCore('sqlite', {
      cache: redisCache({}, `redis://127.0.0.1:${proxy.port}`),
    }));
  });
  afterAll(async () => {
    await cleanup();
    await proxy.close();
  });

  it('is healthy with Redis up, and works', async () => {
    await waitFor('the cache to be healthy', async () => (await cacheHealth()).status === 'healthy');
    expect(await cacheHealth()).toMatchObject({ critical: false, details: { backend: 'redis' } });
    await core.cache.set('k', 'v', 60);
    expect(await core.cache.get('k')).toBe('v');
  });

  it('turns unhealthy (overall degraded, still ready) when Redis goes away, fails fast, and recovers', async () => {
    await proxy.cut();
    await waitFor('the cache to be unhealthy', async () => (await cacheHealth()).status === 'unhealthy');
    expect(Health.overall(await core.health.components(true))).toBe('degraded');
    await expect(core.cache.get('k')).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    await proxy.restore();
    await waitFor('the cache to be healthy again', async () => (await cacheHealth()).status === 'healthy');
    expect(await core.cache.get('k')).toBe('v');
  });

  it('ecosystem restart-database re-opens the Redis connection too', async () => {
    const out = await invoke(toolByName.get('ecosystem_restart_database')!, {}, { core, principal: admin });
    expect(out).toMatchObject({
      restarted: ['state_store', 'cache'],
      components: expect.arrayContaining([expect.objectContaining({ name: 'cache', status: 'healthy' })]),
    });
    expect(await core.cache.get('k')).toBe('v');
  });
});
