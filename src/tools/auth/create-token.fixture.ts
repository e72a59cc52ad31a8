import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authCreateToken } from './create-token.js';

export const fixture: ToolFixture = {
  tool: authCreateToken,
  input: async (core) => {
    await core.users.create({ username: 'token.user', role: 'viewer' });
    return { username: 'token.user', ttl: '5m' };
  },
  matches: { username: 'token.user' },
  holds: { 'token is a JWT': (out: { token: string }) => out.token.startsWith('ey') },
};
