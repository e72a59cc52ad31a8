import { z } from 'zod';
import { Role } from '../../core/config/schema.js';

/** A username as tools take it (the store checks the allowed characters). */
export const Username = z.string().min(1).max(64);

export const UserOut = z.strictObject({
  id: z.string(),
  username: z.string(),
  role: Role,
  has_password: z.boolean(),
  disabled: z.boolean(),
  created_at: z.string().describe('ISO 8601 time the user was created.'),
});
