import { z } from 'zod';
import { Role } from '../config/schema.js';

/** The user shapes the tools take and return; the core's types are these. */

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const USERNAME_RULE = 'use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit';
export const MIN_PASSWORD = 12;

export const Username = z.string().max(64).regex(USERNAME, USERNAME_RULE);

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

/** A minted token as the store records it: never the token itself. */
export const IssuedToken = z.strictObject({
  jti: z
    .string()
    .describe('The token id (JWT jti); audit records name it; revoke it with auth_revoke_token.'),
  username: z.string().describe('The user the token speaks for.'),
  kid: z.string().describe('The signing key.'),
  minted_by: z.string().describe('Who minted it (an admin minting for another user, or the user).'),
  issued_at: z.string(),
  expires_at: z.string(),
  revoked_at: z.string().nullable().describe('When it was revoked alone, or null.'),
  revoked_by: z.string().nullable(),
});
export type IssuedToken = z.infer<typeof IssuedToken>;

/** The token id a tool takes (a UUID, as minted). */
export const TokenId = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'a token id (jti) is a UUID, as `auth list-tokens` shows it',
  )
  .describe('The token id (jti), as `mahavishnu auth list-tokens` and audit records show it.');

/** The switch a revocation needs when it would cut off the caller's own token. */
export const IncludeOwnToken = z
  .boolean()
  .default(false)
  .describe(
    "Required (true) when the call would cut off the caller's own token or user; the plan (dry_run) says whether it does.",
  );
