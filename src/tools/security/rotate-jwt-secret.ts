import { z } from 'zod';
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
    revoke_previous: z
      .boolean()
      .default(false)
      .describe('Also revoke every older key: tokens they signed are refused at once.'),
  }),
  output: z.strictObject({
    kid: z.string().describe('Id of the new signing key.'),
    retired: z.array(z.string()).describe('Keys that no longer sign but still verify.'),
    revoked: z.array(z.string()).describe('Keys that no longer verify.'),
  }),
  plan: async ({ revoke_previous }, { core }) => {
    const keys = (await core.keys.list()).filter((k) => !k.revoked);
    const active = keys.filter((k) => k.active).map((k) => k.kid);
    return [
      'generate a new Ed25519 key and make it sign new tokens',
      revoke_previous
        ? `revoke ${keys.length} key(s) (${keys.map((k) => k.kid).join(', ') || 'none'}): tokens they signed stop working at once`
        : `retire the current key (${active.join(', ') || 'none'}): its tokens keep working until they expire`,
    ];
  },
  run: ({ revoke_previous }, { core }) => core.keys.rotate(revoke_previous),
});
