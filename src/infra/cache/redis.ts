import { Redis } from 'ioredis';
import type { Cache } from '../../core/cache/cache.js';
import { AppError } from '../../core/errors.js';

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key (several deployments or tests can share one Redis). */
  prefix?: string;
}

/** Credentials never leave this module: the location shown is host:port/db only. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `redis://${u.hostname}:${u.port || 6379}${u.pathname || ''}`;
  } catch {
    return 'redis';
  }
}

/**
 * Redis as the cache. No offline queue and no per-command retries: while Redis is away every call
 * rejects at once with `unavailable` instead of piling up, and ioredis keeps reconnecting in the
 * background, so the cache recovers by itself when Redis is back.
 */
export class RedisCache implements Cache {
  readonly backend = 'redis' as const;
  readonly location: string;
  private client: Redis;

  constructor(private readonly opts: RedisCacheOptions) {
    this.location = describe(opts.url);
    this.client = this.connect();
  }

  private connect(): Redis {
    const client = new Redis(this.opts.url, {
      keyPrefix: this.opts.prefix ?? 'mahavishnu:',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      commandTimeout: 2000,
      // reconnect forever, backing off to one attempt every 2 s
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
    });
    // without a listener ioredis reports every failed reconnect as an unhandled error
    client.on('error', () => {});
    return client;
  }

  private async call<T>(what: string, fn: (c: Redis) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (e) {
      throw new AppError(
        'unavailable',
        `the cache (${this.location}) is unavailable during ${what}: ${(e as Error).message}; retry shortly`,
      );
    }
  }

  get(key: string): Promise<string | undefined> {
    return this.call('get', async (c) => (await c.get(key)) ?? undefined);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.call('set', (c) => c.set(key, value, 'EX', ttlSeconds));
  }

  /** INCR and, on the first increment only, EXPIRE, in one MULTI so a crash cannot leave a counter without a ttl. */
  incr(key: string, ttlSeconds: number): Promise<number> {
    return this.call('incr', async (c) => {
      const r = await c.multi().incr(key).expire(key, ttlSeconds, 'NX').exec();
      const [err, n] = r?.[0] ?? [new Error('the transaction was discarded'), 0];
      if (err) throw err;
      return Number(n);
    });
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', (c) => c.del(key));
  }

  async ping(): Promise<number> {
    const t = performance.now();
    await this.call('ping', (c) => c.ping());
    return performance.now() - t;
  }

  /** Swap in a new connection; resolves once it is ready (or has failed once: it keeps retrying). */
  async reconnect(): Promise<void> {
    const old = this.client;
    const next = this.connect();
    this.client = next;
    old.disconnect(false);
    await new Promise<void>((resolve) => {
      const done = () => {
        next.off('ready', done);
        next.off('error', done);
        resolve();
      };
      next.once('ready', done);
      next.once('error', done);
    });
  }

  async close(): Promise<void> {
    this.client.disconnect(false);
  }
}
