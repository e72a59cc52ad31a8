import { z } from 'zod';
import { Role } from '../config/schema.js';

/** The user shapes the tools take and return; the core's types are these. */

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const USERNAME_RULE = 'use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit';
export const MIN_PASSWORD = 12;

export const Username = z.string().regex(USERNAME, USERNAME_RULE);

/** Why a username is refused, or undefined: the store's guard, in the schema's words. */
export const usernameProblem = (username: string): string | undefined =>
  USERNAME.test(username) ? undefined : `username "${username}" is not allowed: ${USERNAME_RULE}`;

export const UserCreateInput = z.strictObject({
  username: Username.describe(
    'Login name: letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. john.doe).',
  ),
  role: Role.describe(
    'viewer reads; operator also runs actions; admin also manages users, keys and restores.',
  ),
  password: z
    .string()
    .min(MIN_PASSWORD)
    .max(1024)
    .optional()
    .describe(`Optional password, at least ${MIN_PASSWORD} characters.`),
});
export type UserCreateInput = z.output<typeof UserCreateInput>;

export const User = z.strictObject({
  id: z.string(),
  username: z.string(),
  role: Role,
  has_password: z.boolean(),
  disabled: z.boolean(),
  created_at: z.string().describe('ISO 8601 time the user was created.'),
});
export type User = z.infer<typeof User>;
