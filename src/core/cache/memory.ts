import type { Cache } from './cache.js';

/**
 * The default cache: an LRU in this process. A Map keeps insertion order, so re-inserting on
 * read moves an entry to the young end and the first key is always the least recently used.
 */
export class MemoryCache implements Cache {
  readonly backend = 'memory' as const;
  readonly location = 'memory';
  private readonly entries = new Map<string, { value: string; expires: number }>();

  constructor(private readonly maxSize = 1000) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= Date.now()) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
    this.evict();
  }

  private evict(): void {
    while (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const e = this.entries.get(key);
    const live = e && e.expires > Date.now() ? e : undefined;
    const n = (Number(live?.value) || 0) + 1;
    // the window starts with the first increment and is not extended by later ones
    const expires = live ? live.expires : Date.now() + ttlSeconds * 1000;
    this.entries.delete(key);
    this.entries.set(key, { value: String(n), expires });
    this.evict();
    return n;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<number> {
    return 0;
  }

  async reconnect(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }
}
