import type { Context, MiddlewareHandler } from 'hono';
import { clientSafeError } from '../core/client-safe.js';
import type { Core } from '../core/core.js';
import { AppError, httpStatus, isAppError } from '../core/errors.js';
import type { Principal, Transport } from '../core/principal.js';
import { challenge } from './resource-metadata.js';

export type Env = { Variables: { principal: Principal } };

/** The JSON error body every route answers with; the same shape the CLI's callRemote reads. */
export function errorResponse(c: Context, e: AppError, headers: Record<string, string> = {}): Response {
  // the last check before the wire: no server path, connection URL or stack (the log has them)
  const err = clientSafeError(e);
  return c.json({ ok: false, error: err.toJSON() }, httpStatus[err.code] as 400, headers);
}

/**
 * Bearer authentication on every request (not only at session start): the token's signature,
 * key, audience and expiry, then the user in the store (its role now, refused when disabled).
 */
export function bearer(core: Core, transport: Transport): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const m = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      return errorResponse(
        c,
        new AppError(
          'unauthenticated',
          'this endpoint needs `Authorization: Bearer <token>`; mint one with `mahavishnu auth create-token --username NAME`',
        ),
        { 'www-authenticate': challenge(c, core) },
      );
    }
    let principal: Principal;
    try {
      // an access token of the configured OpenID Connect issuer, or one mahavishnu minted
      principal = (await core.oidc.claims(m[1]!))
        ? await core.oidc.principal(m[1]!, transport)
        : await core.tokens.principal(m[1]!, transport);
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('unavailable', 'the token cannot be checked now; retry');
      if (!isAppError(e)) core.log.warn({ err: e }, 'token check failed');
      const headers: Record<string, string> =
        err.code === 'unauthenticated' ? { 'www-authenticate': challenge(c, core, err.message) } : {};
      return errorResponse(c, err, headers);
    }
    c.set('principal', principal);
    await next();
  };
}
