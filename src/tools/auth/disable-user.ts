import { z } from 'zod';
import { ownGuardedPlan } from '../../core/security/revocation-impact.js';
import { disablePlan, disableUser } from '../../core/users/access.js';
import { IncludeOwnToken, User, Username } from '../../core/users/schemas.js';
import { defineTool } from '../define.js';

export const authDisableUser = defineTool({
  name: 'auth_disable_user',
  title: 'Disable a user',
  description:
    'Disable a user (security runbook, "contain": a leaked token or a person who left): every token of the ' +
    'user is refused at once (401) on every replica, and so is its password sign-in; nothing is deleted, and ' +
    "auth_enable_user undoes it. dry_run shows the user's live tokens that stop working and whether the " +
    "caller's own access is among them (then include_own_token is required). Returns the user and how many " +
    'live tokens were refused.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  cli: { positional: ['username'] },
  input: z.strictObject({
    username: Username.describe('The user to disable.'),
    include_own_token: IncludeOwnToken,
  }),
  output: z.strictObject({
    user: User,
    live_tokens_refused: z.number().int().describe('Live tokens of the user that stopped working.'),
  }),
  plan: async (i, { core, principal }) =>
    ownGuardedPlan(await disablePlan(core.users, i.username, principal), i, `disabling "${i.username}"`),
  run: ({ username, include_own_token }, { core, principal }) =>
    disableUser(core.users, username, principal, include_own_token),
});
