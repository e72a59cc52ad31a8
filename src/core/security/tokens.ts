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
  /** Longest lifetime (exp − iat) minted or accepted, seconds (auth.max_token_ttl). */
  maxTtlSeconds: number;
  /** How far in the future an iat may lie, seconds (auth.clock_skew_s). */
  skewSeconds: number;
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
  new AppError('unauthenticated', `${why}; mint a new token with \`auth_create_token {"username":"NAME"}\``);

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
    /**
     * Told of a token refused after its signature checked out (a rule, a revocation, a disabled
     * user): such a token was minted here, so its use is worth an audit record. At most once a
     * minute per token, so a client retrying a dead token cannot fill the log.
     */
    private readonly onRefused?: (p: Principal, err: AppError) => Promise<void> | void,
  ) {}

  private readonly refusedAt = new Map<string, number>();

  private async refuse(
    v: { username: string; jti: string | undefined; kid: string },
    transport: Transport,
    err: AppError,
    role: Principal['role'] = 'viewer',
  ): Promise<never> {
    const key = v.jti ?? `${v.username}/${v.kid}`;
    const now = Date.now();
    if (this.onRefused && now - (this.refusedAt.get(key) ?? 0) > 60_000) {
      if (this.refusedAt.size >= 10_000) this.refusedAt.clear();
      this.refusedAt.set(key, now);
      await Promise.resolve(
        this.onRefused({ username: v.username, role, transport, ...(v.jti ? { tokenId: v.jti } : {}) }, err),
      ).catch(() => {});
    }
    throw err;
  }

  /**
   * Mint a token for username, recorded (jti, user, key, who minted it, expiry) so it can be
   * listed, counted by plans and revoked alone. mintedBy: the caller, when an admin mints for another user.
   */
  async mint(
    username: string,
    ttlSeconds: number,
    mintedBy: string = username,
  ): Promise<Omit<MintedToken, 'username'>> {
    const { audience, issuer, maxTtlSeconds, skewSeconds } = this.settings();
    if (ttlSeconds > maxTtlSeconds)
      throw invalid(
        `a token may live at most ${maxTtlSeconds} s (auth.max_token_ttl); ask for a shorter ttl, e.g. ${Math.floor(maxTtlSeconds / 86_400) || 1}d`,
      );
    const user = await this.users.tokenState(username);
    if (!user) throw notFound(`user "${username}" does not exist; create it first with auth_create_user`);
    if (user.disabled)
      throw invalid(
        `user "${username}" is disabled; enable it first (\`auth_enable_user {"username":"${username}"}\`)`,
      );
    const { kid, key } = await this.keys.active();
    const now = Math.floor(Date.now() / 1000);
    // a revocation refuses every iat up to its time plus the clock skew (a token minted before it
    // may carry an iat that far ahead): a token minted within that window carries its end instead
    const floor = user.tokens_not_before === null ? 0 : user.tokens_not_before + skewSeconds * 1000;
    const iat = Math.max(now, Math.ceil(floor / 1000));
    const exp = now + ttlSeconds;
    const jti = randomUUID();
    const { SignJWT } = await jose();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
      .setSubject(username)
      .setAudience(audience)
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key);
    await this.users.tokens.record({
      jti,
      username,
      kid,
      minted_by: mintedBy,
      issuedAt: iat * 1000,
      expiresAt: exp * 1000,
    });
    return { token, kid, jti, expires_at: new Date(exp * 1000).toISOString() };
  }

  /** The lifetime and issued-at rules: exp no further than the max after iat, iat not in the future. */
  private timesProblem(v: Verified): AppError | undefined {
    const { maxTtlSeconds, skewSeconds } = this.settings();
    const now = Date.now() / 1000;
    // +1: a token minted right after a revocation carries an iat up to the skew (rounded up) ahead
    if (v.iat > now + skewSeconds + 1)
      return unauthenticated(
        `the token's iat lies ${Math.round(v.iat - now)} s in the future (more than auth.clock_skew_s = ${skewSeconds})`,
      );
    const from = v.iat > 0 ? v.iat : now;
    if (v.exp - from > maxTtlSeconds + skewSeconds)
      return unauthenticated(
        `the token lives ${Math.round((v.exp - from) / 86_400)} d, longer than auth.max_token_ttl (${Math.round(maxTtlSeconds / 86_400)} d) allows`,
      );
    return undefined;
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
    const v = await this.verify(token);
    const { username, iat, jti } = v;
    const times = this.timesProblem(v);
    if (times) return this.refuse(v, transport, times);
    const user = await this.lookup.tokenState(username);
    if (!user)
      return this.refuse(v, transport, unauthenticated(`the token's user "${username}" no longer exists`));
    const refuse = (err: AppError) => this.refuse(v, transport, err, user.role);
    if (user.disabled)
      return refuse(
        new AppError(
          'unauthenticated',
          `user "${username}" is disabled, so its tokens are refused; an admin can re-enable it with \`auth_enable_user {"username":"${username}"}\``,
        ),
      );
    // a revocation through any process reaches the lookup's cache at once (Redis) or within its ttl.
    // The skew: a token minted before the revocation may carry an iat up to that far ahead
    const skewMs = this.settings().skewSeconds * 1000;
    if (user.tokens_not_before !== null && iat * 1000 < user.tokens_not_before + skewMs)
      return refuse(unauthenticated(`the tokens of "${username}" issued before a revocation are refused`));
    if (jti && (user.revoked_jtis ?? []).includes(jti))
      return refuse(unauthenticated(`token ${jti} of "${username}" was revoked`));
    return { username, role: user.role, transport, ...(jti ? { tokenId: jti } : {}) };
  }
}
