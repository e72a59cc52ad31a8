import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import { type Principal, type Role, roleAllows, type Transport } from '../principal.js';

const jose = () => import('jose');
type Jwks = Awaited<ReturnType<Awaited<ReturnType<typeof jose>>['createRemoteJWKSet']>>;

const refused = (why: string) =>
  new AppError('unauthenticated', `${why}; get a new access token from your identity provider`);

/**
 * Access tokens of an external OpenID Connect issuer (oidc.* settings): signature by the issuer's
 * published keys, issuer, expiry and, always, an audience naming this server, so a token minted
 * for some other service is never accepted here (no token passthrough). The role comes from a
 * claim through oidc.role_map; such callers are not users in the store.
 */
export class OidcVerifier {
  private jwks: { url: string; set: Jwks } | undefined;
  private discovered: { issuer: string; url: string } | undefined;

  constructor(private readonly settings: () => Config['oidc']) {}

  /** Whether this token claims to come from the configured issuer (decoded, not yet verified). */
  async claims(token: string): Promise<boolean> {
    const { issuer } = this.settings();
    if (!issuer) return false;
    try {
      return (await jose()).decodeJwt(token).iss === issuer;
    } catch {
      return false;
    }
  }

  async principal(token: string, transport: Transport): Promise<Principal> {
    const s = this.settings();
    const { jwtVerify, errors } = await jose();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.keys(s), {
        issuer: s.issuer,
        audience: s.audience,
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (e instanceof errors.JWTExpired) throw refused('the access token has expired');
      if (e instanceof errors.JWTClaimValidationFailed)
        throw refused(
          e.claim === 'aud'
            ? `the access token is not for this server (its audience is not "${s.audience}")`
            : `the access token's ${e.claim} claim is not accepted by this server`,
        );
      throw refused('the access token signature is not valid for the configured issuer');
    }
    const role = this.roleOf(payload[s.role_claim], s.role_map);
    if (!role)
      throw new AppError(
        'forbidden',
        `the access token's ${s.role_claim} claim maps to no role (oidc.role_map knows ${Object.keys(s.role_map).join(', ') || 'none'}); ask an admin to grant you one at the identity provider`,
      );
    const name = payload[s.username_claim] ?? payload.sub;
    if (typeof name !== 'string' || !name) throw refused('the access token names no user (no sub)');
    return {
      username: name,
      role,
      transport,
      ...(typeof payload.jti === 'string' ? { tokenId: payload.jti } : {}),
    };
  }

  private roleOf(claim: unknown, map: Record<string, Role>): Role | undefined {
    const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(' ') : [];
    let best: Role | undefined;
    for (const v of values) {
      const r = typeof v === 'string' ? map[v] : undefined;
      if (r && (!best || roleAllows(r, best))) best = r;
    }
    return best;
  }

  private async keys(s: Config['oidc']): Promise<Jwks> {
    const url = s.jwks_url || (await this.discover(s.issuer));
    if (this.jwks?.url !== url) this.jwks = { url, set: (await jose()).createRemoteJWKSet(new URL(url)) };
    return this.jwks.set;
  }

  private async discover(issuer: string): Promise<string> {
    if (this.discovered?.issuer === issuer) return this.discovered.url;
    const at = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    try {
      const r = await fetch(at, { signal: AbortSignal.timeout(5000) });
      const doc = (await r.json()) as { jwks_uri?: unknown };
      if (typeof doc.jwks_uri === 'string') {
        this.discovered = { issuer, url: doc.jwks_uri };
        return doc.jwks_uri;
      }
    } catch {
      // reported below
    }
    throw new AppError(
      'unavailable',
      `the issuer's keys cannot be found at ${at}; set oidc.jwks_url or retry`,
    );
  }
}
