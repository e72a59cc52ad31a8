import { randomUUID } from 'node:crypto';
import { AppError, invalid, notFound } from '../errors.js';
import type { Principal, Transport } from '../principal.js';
import type { Users } from '../users/users.js';
import { ALG, type SigningKeys } from './keys.js';
import { type MintedToken, TTL_RULE, ttlSeconds } from './schemas.js';

// jose is loaded on the first mint or verify: most starts (the CLI, mcp start) never need it
const jose = () => import('jose');

/** "90s", "15m", "1h", "7d" → seconds. */
export function parseTtl(ttl: string): number {
  const seconds = ttlSeconds(ttl);
  if (seconds === undefined) throw invalid(`ttl "${ttl}" ${TTL_RULE}`);
  return seconds;
}

export interface TokenSettings {
  audience: string;
  issuer: string;
}

interface Verified {
  username: string;
  kid: string;
  exp: number;
  /** Issued-at, seconds (0 when the token has none: such a token is refused by any revocation). */
  iat: number;
  /** The token's id (jti), named in the audit records of its calls. */
  jti: string | undefined;
}

const unauthenticated = (why: string) =>
  new AppError(
    'unauthenticated',
    `${why}; mint a new token with \`mahavishnu auth create-token --username NAME\``,
  );

/**
 * Bearer tokens: JWTs signed by the active key (kid in the header), with sub = username, aud, iss,
 * iat, exp and a jti. A token says who the caller is, never what it may do: the role is read from
 * the user record on every request, so disabling a user, changing a role or revoking the user's
 * tokens (users.tokens_not_before, set by security rotate-secrets --revoke-tokens) takes effect at once.
 */
export class Tokens {
  /** Signature checks are the costly part of a request; remember good ones until they expire. */
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly users: Users,
    private readonly settings: () => TokenSettings,
    /** The user lookup of principal(): the cached one (PrincipalCache) in a core, the store by default. */
    private readonly lookup: Pick<Users, 'tokenState'> = users,
  ) {}

  async mint(username: string, ttlSeconds: number): Promise<Omit<MintedToken, 'username'>> {
    const user = await this.users.tokenState(username);
    if (!user) throw notFound(`user "${username}" does not exist; create it first with auth_create_user`);
    if (user.disabled) throw invalid(`user "${username}" is disabled; enable it before minting a token`);
    const { kid, key } = await this.keys.active();
    const { audience, issuer } = this.settings();
    const now = Math.floor(Date.now() / 1000);
    // iat is in whole seconds and a revocation refuses iat < its (whole-second) time: a token
    // minted within that second, after the revocation, carries the revocation's second instead
    const iat = Math.max(now, Math.ceil((user.tokens_not_before ?? 0) / 1000));
    const exp = now + ttlSeconds;
    const { SignJWT } = await jose();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
      .setSubject(username)
      .setAudience(audience)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key);
    return { token, kid, expires_at: new Date(exp * 1000).toISOString() };
  }

  /** Check signature, kid, aud, iss and exp; the username the token speaks for. */
  async verify(token: string): Promise<Verified> {
    const now = Date.now() / 1000;
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.exp <= now) {
        this.verified.delete(token);
        throw unauthenticated('the token has expired');
      }
      // the key may have been revoked since
      if (!(await this.keys.verifierFor(hit.kid)))
        throw unauthenticated('the token was signed by a revoked key');
      return hit;
    }
    const { decodeProtectedHeader, errors: joseErrors, jwtVerify } = await jose();
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw unauthenticated('the bearer token is not a JWT');
    }
    if (!kid) throw unauthenticated('the token has no key id (kid)');
    const key = await this.keys.verifierFor(kid);
    if (!key) throw unauthenticated('the token was signed by an unknown or revoked key');
    const { audience, issuer } = this.settings();
    try {
      const { payload } = await jwtVerify(token, key, { audience, issuer, algorithms: [ALG] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number')
        throw unauthenticated('the token has no subject or expiry');
      const v = { username: payload.sub, kid, exp: payload.exp, iat: payload.iat ?? 0, jti: payload.jti };
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, v);
      return v;
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed)
        throw unauthenticated(`the token's ${e.claim} claim is not accepted by this server`);
      throw unauthenticated('the token signature is not valid');
    }
  }

  /** The caller a token speaks for, with the role the store gives that user now. */
  async principal(token: string, transport: Transport): Promise<Principal> {
    const { username, iat, jti } = await this.verify(token);
    const user = await this.lookup.tokenState(username);
    if (!user) throw unauthenticated(`the token's user "${username}" no longer exists`);
    if (user.disabled) throw new AppError('unauthenticated', `user "${username}" is disabled`);
    // a revocation through any process reaches the lookup's cache at once (Redis) or within its ttl
    if (user.tokens_not_before !== null && iat * 1000 < user.tokens_not_before)
      throw unauthenticated(`the tokens of "${username}" issued before a revocation are refused`);
    return { username, role: user.role, transport, ...(jti ? { tokenId: jti } : {}) };
  }
}
