import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authCreateUser } from './create-user.js';

export const fixture: ToolFixture = {
  tool: authCreateUser,
  input: () => ({ username: 'fixture.user', role: 'operator' }),
  matches: { user: { username: 'fixture.user', role: 'operator' } },
};
