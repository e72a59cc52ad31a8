import { z } from 'zod';
import { IncludeOwnToken, Username } from '../users/schemas.js';
import { TTL_RULE, ttlSeconds } from './ttl.js';

export { TTL_RULE, ttlSeconds };

/** The shapes of tokens, key rotation and secret rotation; the core's types are these. */

/** A token lifetime as tools take it: the pattern is advertised, the 366 d bound is checked too. */
export const Ttl = z
  .string()
  .max(32)
  .regex(/^\s*\d+\s*[smhd]\s*$/, TTL_RULE)
  .refine((s) => ttlSeconds(s) !== undefined, TTL_RULE);

export const MintedToken = z.strictObject({
  token: z.string().describe('The bearer token. Shown only now.'),
  username: z.string(),
  kid: z.string().describe('Id of the signing key (JWT header kid).'),
  jti: z
    .string()
    .describe('The token id: audit records name it; `auth revoke-token <jti>` refuses it alone.'),
  expires_at: z.string().describe('ISO 8601 expiry time.'),
});
export type MintedToken = z.infer<typeof MintedToken>;

export const KeyRotation = z.strictObject({
  kid: z.string().describe('Id of the new signing key.'),
  retired: z.array(z.string()).describe('Keys that no longer sign but still verify.'),
  revoked: z.array(z.string()).describe('Keys that no longer verify.'),
});
export type KeyRotation = z.infer<typeof KeyRotation>;

/** The compromise switch of both rotation tools: older signing keys stop verifying at once. */
export const RevokePrevious = z
  .boolean()
  .default(false)
  .describe(
    'Also revoke every older signing key: tokens they signed are refused at once (use when a key or token leaked).',
  );

export const RotateSecretsInput = z
  .strictObject({
    revoke_previous: RevokePrevious,
    revoke_tokens: z
      .boolean()
      .default(false)
      .describe('Refuse every token issued so far (to all users, or to `users`); new tokens work.'),
    users: z
      .array(Username)
      .max(1000)
      .default([])
      .describe('With revoke_tokens: only these users lose their tokens (default: every user).'),
    include_own_token: IncludeOwnToken,
  })
  .refine((i) => i.users.length === 0 || i.revoke_tokens, {
    path: ['users'],
    message: 'users only says whose tokens to revoke: add revoke_tokens (--revoke-tokens), or drop users',
  });
export type RotateSecretsInput = z.output<typeof RotateSecretsInput>;

export const SecretAction = z.enum(['rotated', 'revoked', 'external', 'not_rotated']);
export type SecretAction = z.infer<typeof SecretAction>;

/** One line of the rotation report. `detail` names keys by id or fingerprint, never by value. */
export const SecretReport = z.strictObject({
  secret: z.string().describe('Which secret (e.g. "token signing key", "backup.signing_key").'),
  action: SecretAction.describe(
    'rotated or revoked here; external: rotate it yourself as detail says; not_rotated: why not.',
  ),
  detail: z.string().describe('What was done, or the exact step to do; key ids only, never values.'),
});
export type SecretReport = z.infer<typeof SecretReport>;

export const SecretsRotation = z.strictObject({
  kid: z.string().describe('Id of the new token signing key.'),
  secrets: z.array(SecretReport).describe('One line per secret, the ones mahavishnu owns first.'),
});
export type SecretsRotation = z.infer<typeof SecretsRotation>;
