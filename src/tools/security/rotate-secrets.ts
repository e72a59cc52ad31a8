import { z } from 'zod';
import { invalid } from '../../core/errors.js';
import { type RotateSecretsOptions, rotateSecrets, rotateSecretsPlan } from '../../core/security/secrets.js';
import { Username } from '../auth/shared.js';
import { defineTool } from '../define.js';
import { RevokePrevious } from './shared.js';

const options = (i: {
  revoke_previous: boolean;
  revoke_tokens: boolean;
  users: string[];
}): RotateSecretsOptions => {
  if (i.users.length > 0 && !i.revoke_tokens)
    throw invalid(
      'users only says whose tokens to revoke: add revoke_tokens (--revoke-tokens), or drop users',
    );
  return { revokePrevious: i.revoke_previous, revokeTokens: i.revoke_tokens, users: i.users };
};

export const securityRotateSecrets = defineTool({
  name: 'security_rotate_secrets',
  title: 'Rotate every secret mahavishnu owns',
  description:
    'Rotate the secrets mahavishnu owns and report the rest (security runbook, "eradicate" step after an incident, ' +
    'or on schedule). Always makes a new token signing key sign new tokens; the previous key keeps verifying ' +
    'until its tokens expire, unless revoke_previous revokes every older key (tokens they signed stop at once). ' +
    'revoke_tokens refuses every token issued so far, to all users or only to `users`, without touching the keys. ' +
    'Secrets kept in settings or the environment (backup.signing_key, backup.encryption_key, passwords in ' +
    'database.url / cache.redis_url) are reported as "external" with the exact step to rotate them; user ' +
    'passwords are counted, not rotated. Returns the new key id and one line per secret ' +
    '{secret, action: rotated|revoked|external|not_rotated, detail}; never a secret value.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  input: z.strictObject({
    revoke_previous: RevokePrevious,
    revoke_tokens: z
      .boolean()
      .default(false)
      .describe('Refuse every token issued so far (to all users, or to `users`); new tokens work.'),
    users: z
      .array(Username)
      .default([])
      .describe('With revoke_tokens: only these users lose their tokens (default: every user).'),
  }),
  output: z.strictObject({
    kid: z.string().describe('Id of the new token signing key.'),
    secrets: z
      .array(
        z.strictObject({
          secret: z.string().describe('Which secret (e.g. "token signing key", "backup.signing_key").'),
          action: z
            .enum(['rotated', 'revoked', 'external', 'not_rotated'])
            .describe(
              'rotated or revoked here; external: rotate it yourself as detail says; not_rotated: why not.',
            ),
          detail: z.string().describe('What was done, or the exact step to do; key ids only, never values.'),
        }),
      )
      .describe('One line per secret, the ones mahavishnu owns first.'),
  }),
  plan: (input, { core }) => rotateSecretsPlan(core, options(input)),
  run: (input, { core }) => rotateSecrets(core, options(input)),
});
