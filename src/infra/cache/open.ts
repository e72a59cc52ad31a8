import type { Cache } from '../../core/cache/cache.js';
import { MemoryCache } from '../../core/cache/memory.js';
import type { Config } from '../../core/config/schema.js';

/** The cache the settings select: Redis when cache.backend is redis, else the in-process LRU. */
export async function openCache(config: Config): Promise<Cache> {
  const c = config.cache;
  if (c.enabled && c.backend === 'redis') {
    // loaded on use: ioredis costs every start ~60 ms of imports, and most run the memory cache
    const { RedisCache } = await import('./redis.js');
    return new RedisCache({ url: c.redis_url, prefix: c.key_prefix });
  }
  return new MemoryCache(c.max_size);
}
