import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { type TcpProxy, tcpProxy } from '../../../test/helpers/proxy.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { Cache } from '../../core/cache/cache.js';
import { MemoryCache } from '../../core/cache/memory.js';
import { RedisCache } from './redis.js';

const prefix = () => `mv-test-${randomBytes(6).toString('hex')}:`;

/** The same behaviour from every cache implementation. */
describe.each([
  ['memory', () => new MemoryCache(100)],
  ['redis', () => new RedisCache({ url: 'redis://127.0.0.1:6379', prefix: prefix() })],
] as const)('cache contract: %s', (_kind, make) => {
  const cache: Cache = make();
  afterAll(() => cache.close());

  it('stores, reads, overwrites and deletes a value', async () => {
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', 'one', 60);
    expect(await cache.get('a')).toBe('one');
    await cache.set('a', 'two', 60);
    expect(await cache.get('a')).toBe('two');
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
  });

  it('forgets a value after its ttl', async () => {
    await cache.set('short', 'x', 1);
    expect(await cache.get('short')).toBe('x');
    await waitFor(
      'the short-lived key to expire',
      async () => (await cache.get('short')) === undefined,
      5_000,
    );
  });

  it('counts per key in a window that the first increment starts', async () => {
    expect(await cache.incr('hits', 1)).toBe(1);
    expect(await cache.incr('hits', 60)).toBe(2);
    expect(await cache.incr('other', 60)).toBe(1);
    expect(await cache.incr('hits', 60)).toBe(3);
    // the later, longer ttls did not extend the first window: the counter starts again
    await waitFor('the counter window to end', async () => (await cache.get('hits')) === undefined, 5_000);
    expect(await cache.incr('hits', 60)).toBe(1);
  });

  it('answers a ping and keeps working after reconnect', async () => {
    expect(await cache.ping()).toBeGreaterThanOrEqual(0);
    await cache.set('kept', 'v', 60);
    await cache.reconnect();
    await waitFor('the kept key', async () => (await cache.get('kept')) === 'v');
  });
});

describe('memory cache', () => {
  it('evicts the least recently used entry beyond max_size', async () => {
    const c = new MemoryCache(2);
    await c.set('a', '1', 60);
    await c.set('b', '2', 60);
    await c.get('a');
    await c.set('c', '3', 60);
    expect(await c.get('b')).toBeUndefined();
    expect(await c.get('a')).toBe('1');
    expect(await c.get('c')).toBe('3');
    expect(c.size).toBe(2);
  });
});

describe('redis cache when Redis goes away', () => {
  let proxy: TcpProxy;
  let cache: RedisCache;
  afterAll(async () => {
    await cache?.close();
    await proxy?.close();
  });

  it('fails fast with unavailable while Redis is away and recovers by itself', async () => {
    proxy = await tcpProxy('127.0.0.1', 6379);
    cache = new RedisCache({ url: `redis://127.0.0.1:${proxy.port}`, prefix: prefix() });
    await waitFor('a ping', async () => (await cache.ping()) >= 0);
    await cache.set('k', 'v', 60);
    await proxy.cut();
    // the client notices the reset connection on its own; from then on every call is refused
    await waitFor('the cache to reconnect', () =>
      cache.get('k').then(
        () => false,
        () => true,
      ),
    );
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    await expect(cache.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await proxy.restore();
    await waitFor('the key after the reconnect', async () => (await cache.get('k')) === 'v');
  });
});
