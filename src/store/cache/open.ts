import type { Cache } from '../../core/cache/cache.js';
import { MemoryCache } from '../../core/cache/memory.js';
import type { Config } from '../../core/config/schema.js';
import { RedisCache } from './redis.js';

/** The cache the settings select: Redis when cache.backend is redis, else the in-process LRU. */
export function openCache(config: Config): Cache {
  const c = config.cache;
  if (c.enabled && c.backend === 'redis') {
    return new RedisCache({ url: c.redis_url, ttlSeconds: c.ttl, prefix: c.key_prefix });
  }
  return new MemoryCache(c.max_size, c.ttl);
}
