import type { Cache } from '../cache/cache.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Users } from './users.js';

export type TokenState = NonNullable<Awaited<ReturnType<Users['tokenState']>>>;

interface Entry {
  /** undefined: the user does not exist (a miss worth remembering too). */
  state: TokenState | undefined;
  /** When the store said so (epoch ms). */
  seen: number;
}

export interface PrincipalCacheSettings {
  /** Seconds an entry is used without reading the store. */
  ttlSeconds: number;
  /** Seconds an entry may still be used while the store is unreachable. */
  staleSeconds: number;
}

/**
 * The user lookup behind every authenticated request, through the cache port: an entry is used
 * for ttl seconds, then the store is read again. Changes made through Users (role, disable,
 * revocation) delete the entry in the cache, so with Redis every replica sees them at once and
 * with the memory cache this process does (other processes within the ttl). While the store is
 * unreachable an entry seen within the stale window keeps the caller authenticated, with the
 * state seen then; past it the call fails with `unavailable`.
 */
export class PrincipalCache {
  constructor(
    private readonly users: Users,
    private readonly cache: Cache,
    private readonly settings: () => PrincipalCacheSettings,
    private readonly log: Logger,
    /** Whether the store is known to be unreachable now (its last call failed, none succeeded since). */
    private readonly storeDown: () => boolean = () => false,
  ) {
    users.onChange((names) => this.invalidate(names));
  }

  private key(username: string): string {
    return `principal:${username}`;
  }

  /** The cached entry, or undefined (a cache that is away is a miss, never a failure). */
  private async read(username: string): Promise<Entry | undefined> {
    try {
      const raw = await this.cache.get(this.key(username));
      return raw ? (JSON.parse(raw) as Entry) : undefined;
    } catch {
      return undefined;
    }
  }

  async tokenState(username: string): Promise<TokenState | undefined> {
    const { ttlSeconds, staleSeconds } = this.settings();
    const now = Date.now();
    const hit = await this.read(username);
    if (hit && now - hit.seen < ttlSeconds * 1000) return hit.state;
    const stale = () => {
      this.log.warn(
        { username, seen_s_ago: Math.round((now - (hit?.seen ?? now)) / 1000) },
        'state store away: using the user seen before',
      );
      return hit?.state;
    };
    const usable = hit !== undefined && now - hit.seen < staleSeconds * 1000;
    // the store's last call failed: this request would only wait out the connect timeout to learn it again
    if (usable && this.storeDown()) return stale();
    let state: TokenState | undefined;
    try {
      state = await this.users.tokenState(username);
    } catch (e) {
      if (isAppError(e) && e.code === 'unavailable' && usable) return stale();
      if (isAppError(e) && e.code === 'unavailable')
        throw new AppError(
          'unavailable',
          `${e.message}. This token's user was not seen in the last ${staleSeconds} s (auth.principal_stale_s), so it cannot be checked until the store is back`,
        );
      throw e;
    }
    const entry: Entry = { state, seen: now };
    // kept for the stale window, so an outage finds it; fresh only for the ttl
    await this.cache
      .set(
        this.key(username),
        JSON.stringify(entry),
        Math.max(1, Math.ceil(Math.max(ttlSeconds, staleSeconds))),
      )
      .catch(() => {});
    return state;
  }

  /** Forget users (all of them when names is 'all') after a change, in every replica sharing the cache. */
  async invalidate(names: readonly string[] | 'all'): Promise<void> {
    const list = names === 'all' ? (await this.users.list()).map((u) => u.username) : names;
    await Promise.all(list.map((n) => this.cache.delete(this.key(n)).catch(() => {})));
  }
}
