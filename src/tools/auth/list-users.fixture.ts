import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authListUsers } from './list-users.js';

export const fixture: ToolFixture = {
  tool: authListUsers,
  input: async (core) => {
    await core.users.create({ username: 'listed.user', role: 'viewer' });
    return {};
  },
  holds: {
    'lists the user': (out: { users: { username: string }[] }) =>
      out.users.some((u) => u.username === 'listed.user'),
  },
};
