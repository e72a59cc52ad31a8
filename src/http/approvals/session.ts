import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Core } from '../../core/core.js';

export const SESSION_COOKIE = 'mv_approval_session';
export const LOGIN_COOKIE = 'mv_approval_login';

export interface WebSession {
  username: string;
  csrf: string;
}

export const randomToken = () => randomBytes(32).toString('base64url');

export const sameToken = (a: string | undefined, b: string | undefined) =>
  !!a && !!b && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** HttpOnly, SameSite=Strict, scoped to the approval pages; Secure when the page is served over https. */
export function setPageCookie(c: Context, name: string, value: string, maxAge: number) {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/approvals',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge,
  });
}

/**
 * Sign-ins of the approval page, kept in the cache port (Redis when configured, so every replica
 * knows them); the session id in the cookie is the only key. Losing the cache signs people out.
 */
export class WebSessions {
  constructor(private readonly core: Core) {}

  private key = (sid: string) => `approval-session:${sid}`;

  async open(c: Context, username: string): Promise<WebSession> {
    const sid = randomToken();
    const s: WebSession = { username, csrf: randomToken() };
    const ttl = this.core.config.approvals.session_seconds;
    await this.core.cache.set(this.key(sid), JSON.stringify(s), ttl);
    setPageCookie(c, SESSION_COOKIE, sid, ttl);
    return s;
  }

  async current(c: Context): Promise<WebSession | undefined> {
    const sid = getCookie(c, SESSION_COOKIE);
    if (!sid || sid.length > 100) return undefined;
    const raw = await this.core.cache.get(this.key(sid)).catch(() => undefined);
    return raw ? (JSON.parse(raw) as WebSession) : undefined;
  }

  async close(c: Context): Promise<void> {
    const sid = getCookie(c, SESSION_COOKIE);
    if (sid) await this.core.cache.delete(this.key(sid)).catch(() => {});
    setPageCookie(c, SESSION_COOKIE, '', 0);
  }
}

/**
 * Failed sign-ins counted per account and per client address in fixed windows of
 * approvals.login_lockout_seconds (cache counters, shared through Redis). At
 * approvals.login_max_failures either one locks further attempts out until the window ends.
 */
export class LoginLimiter {
  constructor(private readonly core: Core) {}

  private keys = (username: string, address: string) => [
    `login-failures:user:${username.toLowerCase()}`,
    `login-failures:addr:${address}`,
  ];

  /** Seconds to wait when locked out, else undefined. */
  async lockedFor(username: string, address: string): Promise<number | undefined> {
    const { login_max_failures: max, login_lockout_seconds: secs } = this.core.config.approvals;
    for (const k of this.keys(username, address)) {
      const n = Number(await this.core.cache.get(k).catch(() => undefined)) || 0;
      if (n >= max) return secs;
    }
    return undefined;
  }

  /** Count a failure; resolves with whether it locked the account or address out. */
  async failed(username: string, address: string): Promise<boolean> {
    const { login_max_failures: max, login_lockout_seconds: secs } = this.core.config.approvals;
    let locked = false;
    for (const k of this.keys(username, address)) {
      const n = await this.core.cache.incr(k, secs).catch(() => 0);
      if (n >= max) locked = true;
    }
    return locked;
  }
}
