import { ownGuardedPlan } from '../../core/security/revocation-impact.js';
import { RotateSecretsInput, SecretsRotation } from '../../core/security/schemas.js';
import { type RotateSecretsOptions, rotateSecrets, rotateSecretsPlan } from '../../core/security/secrets.js';
import { defineTool } from '../define.js';

/** The core's options, from the tool's input (its schema already refused users without revoke_tokens). */
const options = (i: RotateSecretsInput): RotateSecretsOptions => ({
  revokePrevious: i.revoke_previous,
  revokeTokens: i.revoke_tokens,
  users: i.users,
  includeOwnToken: i.include_own_token,
});

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
    "passwords are counted, not rotated. dry_run says how many live tokens a revocation stops and whether the caller's " +
    'own is one (then include_own_token is required). Returns the new key id and one line per secret ' +
    '{secret, action: rotated|revoked|external|not_rotated, detail}; never a secret value.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  input: RotateSecretsInput,
  output: SecretsRotation,
  plan: async (input, { core, principal }) =>
    ownGuardedPlan(await rotateSecretsPlan(core, options(input), principal), input, 'this revocation'),
  run: (input, { core, principal, signal }) => rotateSecrets(core, options(input), principal, signal),
});
