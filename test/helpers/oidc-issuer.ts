import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface OidcIssuer {
  issuer: string;
  /** An access token signed by this issuer's key (or by a stranger's key, with `forged`). */
  token: (claims: JWTPayload & { aud: string }, o?: { forged?: boolean; ttlS?: number }) => Promise<string>;
  close: () => Promise<void>;
}

/**
 * A small OpenID Connect issuer on loopback, for tests: its own ES256 key, a discovery document
 * and a JWKS endpoint, and a way to mint access tokens as an identity provider would.
 */
export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    token: (claims, o = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key-1', typ: 'at+jwt' })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(`${o.ttlS ?? 300}s`)
        .sign(o.forged ? stranger.privateKey : privateKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
