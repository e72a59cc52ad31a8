import { z } from 'zod';
import { MintedToken, Ttl } from '../../core/security/schemas.js';
import { parseTtl } from '../../core/security/tokens.js';
import { Username } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authCreateToken = defineTool({
  name: 'auth_create_token',
  title: 'Mint a bearer token',
  description:
    'Mint a signed bearer token (JWT) for an existing, enabled user, for the HTTP API, /mcp and /sse ' +
    '(send it as `Authorization: Bearer <token>`; the CLI reads it from MAHAVISHNU_TOKEN). The token names ' +
    'the user only: the role is read from the user record on every request. The token is shown once and ' +
    'never stored or logged; mint a new one if it is lost. ' +
    'The store records its id (jti), who minted it and its expiry (auth_list_tokens), so it can be revoked ' +
    'alone (auth_revoke_token). Lifetimes beyond auth.max_token_ttl (default 30d) are refused. Returns the ' +
    'token, its key id, its jti and expiry.',
  role: 'admin',
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
  input: z.strictObject({
    username: Username.describe('The user the token speaks for (must exist and be enabled).'),
    ttl: Ttl.optional().describe(
      'Lifetime: a number and a unit s/m/h/d, e.g. 15m, 1h, 7d (default: auth.default_token_ttl).',
    ),
  }),
  output: MintedToken,
  run: async ({ username, ttl }, { core, principal }) => {
    const seconds = parseTtl(ttl ?? core.config.auth.default_token_ttl);
    return { username, ...(await core.tokens.mint(username, seconds, principal.username)) };
  },
});
