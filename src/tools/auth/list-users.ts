import { z } from 'zod';
import { User } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authListUsers = defineTool({
  name: 'auth_list_users',
  title: 'List users',
  description:
    'List every user with its role, whether it has a password, and whether it is disabled. ' +
    'Use it to review access (security runbook) before creating users or rotating secrets. Never returns secrets.',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: z.strictObject({ users: z.array(User) }),
  run: async (_input, { core }) => ({ users: await core.users.list() }),
});
