import { z } from 'zod';
import { Role } from '../../core/config/schema.js';
import { defineTool } from '../define.js';
import { Username, UserOut } from './shared.js';

export const authCreateUser = defineTool({
  name: 'auth_create_user',
  title: 'Create a user',
  description:
    'Create a user with a role (viewer < operator < admin). Use it to give a person or an agent access; ' +
    'then mint a token for them with auth_create_token. A password is optional (tokens are the usual way in) ' +
    'and is stored only as an argon2id hash. Fails with conflict if the username exists. Returns the user.',
  role: 'admin',
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
  input: z.strictObject({
    username: Username.describe('Login name: letters, digits, ".", "_" or "-" (e.g. john.doe).'),
    role: Role.describe(
      'viewer reads; operator also runs actions; admin also manages users, keys and restores.',
    ),
    password: z.string().min(12).max(1024).optional().describe('Optional password, at least 12 characters.'),
  }),
  output: z.strictObject({ user: UserOut }),
  run: async (input, { core }) => ({ user: await core.users.create(input) }),
});
