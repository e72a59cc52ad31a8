import { z } from 'zod';
import { User, Username } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authEnableUser = defineTool({
  name: 'auth_enable_user',
  title: 'Enable a user',
  description:
    'Re-enable a disabled user: its tokens work again, except those refused by a revocation ' +
    '(auth_revoke_token, security_rotate_secrets revoke_tokens, a revoked signing key) or expired; mint a new ' +
    'one with auth_create_token if needed. Idempotent. Returns the user.',
  role: 'admin',
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  cli: { positional: ['username'] },
  input: z.strictObject({ username: Username.describe('The user to enable.') }),
  output: z.strictObject({ user: User }),
  run: async ({ username }, { core }) => ({ user: await core.users.setDisabled(username, false) }),
});
