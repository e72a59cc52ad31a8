import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authRevokeToken } from './revoke-token.js';

let jti = '';

export const fixture: ToolFixture = {
  tool: authRevokeToken,
  input: async (core) => {
    await core.users.create({ username: 'revoke.me', role: 'viewer' });
    jti = (await core.tokens.mint('revoke.me', 300)).jti;
    return { jti };
  },
  matches: { already_revoked: false, token: { username: 'revoke.me' } },
  holds: {
    'names the revoked token': (out: { token: { jti: string; revoked_at: string | null } }) =>
      out.token.jti === jti && out.token.revoked_at !== null,
  },
};
