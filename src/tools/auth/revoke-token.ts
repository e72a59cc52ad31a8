import { z } from 'zod';
import { ownGuardedPlan } from '../../core/security/revocation-impact.js';
import { revokePlan, revokeToken } from '../../core/users/access.js';
import { IncludeOwnToken, IssuedToken, TokenId } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authRevokeToken = defineTool({
  name: 'auth_revoke_token',
  title: 'Revoke one token',
  description:
    'Refuse one bearer token at once, by its id (jti, as auth_list_tokens and audit records show it), on every ' +
    "replica; the user's other tokens keep working (to refuse them all, use auth_disable_user or " +
    'security_rotate_secrets with revoke_tokens). Cannot be undone. Revoking the token this call came with ' +
    'needs include_own_token. Returns the token record with revoked_at.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  cli: { positional: ['jti'] },
  input: z.strictObject({ jti: TokenId, include_own_token: IncludeOwnToken }),
  output: z.strictObject({
    token: IssuedToken,
    already_revoked: z.boolean().describe('It was revoked before this call.'),
  }),
  plan: async (i, { core, principal }) =>
    ownGuardedPlan(await revokePlan(core.users, i.jti, principal), i, `revoking token ${i.jti}`),
  run: ({ jti, include_own_token }, { core, principal }) =>
    revokeToken(core.users, jti, principal, include_own_token),
});
