import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authEnableUser } from './enable-user.js';

export const fixture: ToolFixture = {
  tool: authEnableUser,
  input: async (core) => {
    await core.users.create({ username: 'enable.me', role: 'viewer' });
    await core.users.setDisabled('enable.me', true);
    return { username: 'enable.me' };
  },
  matches: { user: { username: 'enable.me', disabled: false } },
};
