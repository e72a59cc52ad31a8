import type { Core } from '../../src/core/core.js';
import { cli } from './cli.js';
import { bearer } from './server.js';

/** The HTTP status a token gets from the action API (200 accepted, 401 refused). */
export const tokenStatus = async (url: string, token: string): Promise<number> =>
  (
    await fetch(`${url}/api/v1/tools/auth_list_users`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: '{}',
    })
  ).status;

/** A token for a user, minted by the in-process CLI over the store `env` points at. */
export const mintToken = (username: string, env: Record<string, string>): string =>
  JSON.parse(cli(['auth', 'create-token', '--username', username, '--json'], env).stdout).token as string;

/**
 * A token signed by the server's own active key with the claims given: what a leaked key (or a
 * buggy issuer) could mint, to check the lifetime and issued-at rules.
 */
export async function forgeToken(core: Core, sub: string, iat: number, exp: number): Promise<string> {
  const { SignJWT } = await import('jose');
  const { kid, key } = await core.keys.active();
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
    .setSubject(sub)
    .setAudience(core.config.auth.token_audience)
    .setIssuer(core.config.auth.token_issuer)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(key);
}
