import { z } from 'zod';
import { User, UserCreateInput } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authCreateUser = defineTool({
  name: 'auth_create_user',
  title: 'Create a user',
  description:
    'Create a user with a role (viewer < operator < admin). Use it to give a person or an agent access; ' +
    'then mint a token for them with auth_create_token. A password is optional (tokens are the usual way in) ' +
    'and is stored only as an argon2id hash. Fails with conflict if the username exists. Returns the user.',
  role: 'admin',
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
  input: UserCreateInput,
  output: z.strictObject({ user: User }),
  run: async (input, { core }) => ({ user: await core.users.create(input) }),
});
