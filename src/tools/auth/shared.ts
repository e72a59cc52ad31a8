import { z } from 'zod';
import { Role } from '../../core/config/schema.js';

export const UserOut = z.strictObject({
  id: z.string(),
  username: z.string(),
  role: Role,
  has_password: z.boolean(),
  disabled: z.boolean(),
  created_at: z.string().describe('ISO 8601 time the user was created.'),
});
