import { z } from 'zod';
import { KeyRotation, RevokePrevious } from '../../core/security/schemas.js';
import { defineTool } from '../define.js';

export const securityRotateJwtSecret = defineTool({
  name: 'security_rotate_jwt_secret',
  title: 'Rotate the token signing key',
  description:
    'Make a new Ed25519 key sign every new bearer token (security runbook: rotate after staff changes or ' +
    'on schedule). By default the previous key keeps verifying, so tokens already handed out work until ' +
    'they expire; with revoke_previous every older key is revoked and the tokens it signed stop working at ' +
    'once (use it when a token or key may have leaked; mint new tokens afterwards). Returns the new key id ' +
    'and the ids retired or revoked. The keys themselves are never shown.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  input: z.strictObject({
    revoke_previous: RevokePrevious,
  }),
  output: KeyRotation,
  plan: ({ revoke_previous }, { core }) => core.keys.rotationPlan(revoke_previous),
  run: ({ revoke_previous }, { core }) => core.keys.rotate(revoke_previous),
});
