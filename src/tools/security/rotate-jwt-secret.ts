import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { Plan } from '../../core/plan.js';
import type { Principal } from '../../core/principal.js';
import {
  guardOwn,
  impactLine,
  ownGuardedPlan,
  revocationImpact,
} from '../../core/security/revocation-impact.js';
import { KeyRotation, RevokePrevious } from '../../core/security/schemas.js';
import { IncludeOwnToken } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

async function plan(core: Core, revokePrevious: boolean, caller: Principal): Promise<Plan> {
  const steps = await core.keys.rotationPlan(revokePrevious);
  if (!revokePrevious) return { steps, impact: { live_tokens_stopped: 0, cuts_off_caller: false } };
  const impact = await revocationImpact(core.users, caller, { allKeys: true });
  return { steps: [...steps, ...impactLine(impact)], impact: { ...impact } };
}

export const securityRotateJwtSecret = defineTool({
  name: 'security_rotate_jwt_secret',
  title: 'Rotate the token signing key',
  description:
    'Make a new Ed25519 key sign every new bearer token (security runbook: rotate after staff changes or ' +
    'on schedule). By default the previous key keeps verifying, so tokens already handed out work until ' +
    'they expire; with revoke_previous every older key is revoked and the tokens it signed stop working at ' +
    'once (use it when a token or key may have leaked; mint new tokens afterwards). dry_run says how many ' +
    "live tokens stop and whether the caller's own is one (then include_own_token is required). Returns the " +
    'new key id and the ids retired or revoked. The keys themselves are never shown.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  input: z.strictObject({
    revoke_previous: RevokePrevious,
    include_own_token: IncludeOwnToken,
  }),
  output: KeyRotation,
  plan: async (i, { core, principal }) =>
    ownGuardedPlan(await plan(core, i.revoke_previous, principal), i, 'revoking every previous signing key'),
  run: async ({ revoke_previous, include_own_token }, { core, principal }) => {
    if (revoke_previous)
      guardOwn(
        await revocationImpact(core.users, principal, { allKeys: true }),
        include_own_token,
        'revoking every previous signing key',
      );
    return core.keys.rotate(revoke_previous);
  },
});
