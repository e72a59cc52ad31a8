import { z } from 'zod';
import { IssuedToken, Username } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authListTokens = defineTool({
  name: 'auth_list_tokens',
  title: 'List minted tokens',
  description:
    'List the tokens minted here, newest first: id (jti), user, signing key, who minted it, issue and expiry ' +
    'times, and revocation. Never the tokens themselves. Use it to find the jti to revoke ' +
    '(auth_revoke_token) or to review who minted tokens for whom.',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    username: Username.optional().describe('Only the tokens of this user.'),
    live: z.boolean().default(false).describe('Only tokens not expired and not revoked alone.'),
    limit: z.number().int().min(1).max(1000).default(100).describe('At most this many.'),
  }),
  output: z.strictObject({ tokens: z.array(IssuedToken) }),
  run: async ({ username, live, limit }, { core }) => ({
    tokens: await core.users.tokens.list({ username, live, limit }),
  }),
});
