import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authDisableUser } from './disable-user.js';

export const fixture: ToolFixture = {
  tool: authDisableUser,
  input: async (core) => {
    await core.users.create({ username: 'disable.me', role: 'viewer' });
    await core.tokens.mint('disable.me', 300);
    return { username: 'disable.me' };
  },
  matches: { user: { username: 'disable.me', disabled: true }, live_tokens_refused: 1 },
};
