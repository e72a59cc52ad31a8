import type { Plan } from '../plan.js';
import type { Principal } from '../principal.js';
import { liveTokens, refuseOwn } from '../users/access.js';
import type { Users } from '../users/users.js';

export interface RevocationScope {
  /** Every signing key that verifies now is revoked: every token stops. */
  allKeys: boolean;
  /** Per-user revocation: these users' tokens stop ('all': every user's); undefined: none. */
  users?: readonly string[] | 'all' | undefined;
}

export interface RevocationImpact {
  /** Recorded live tokens that would stop working. */
  live_tokens_stopped: number;
  /** The same, per user. */
  by_user: Record<string, number>;
  /** Whether the token this call came with is one of them. */
  cuts_off_caller: boolean;
  note: string;
}

/**
 * How many live tokens a revocation stops, counted from the record of issued tokens, and whether
 * the caller's own token is among them. Tokens minted before that record existed are not counted.
 */
export async function revocationImpact(
  users: Users,
  caller: Principal,
  scope: RevocationScope,
): Promise<RevocationImpact> {
  const names = scope.allKeys || scope.users === 'all' ? undefined : scope.users;
  const hit =
    scope.allKeys || scope.users === 'all'
      ? await liveTokens(users)
      : (await Promise.all((names ?? []).map((u) => liveTokens(users, u)))).flat();
  const byUser: Record<string, number> = {};
  for (const t of hit) byUser[t.username] = (byUser[t.username] ?? 0) + 1;
  const callerHit =
    caller.tokenId !== undefined &&
    (scope.allKeys || scope.users === 'all' || (names ?? []).includes(caller.username));
  return {
    live_tokens_stopped: hit.length,
    by_user: byUser,
    cuts_off_caller: callerHit,
    note: 'counted from the record of minted tokens (issued_tokens); tokens minted before it existed are not counted',
  };
}

/** The plan's line for it, and the refusal when it cuts off the caller without include_own_token. */
export function impactLine(i: RevocationImpact): string[] {
  const lines = [
    `${i.live_tokens_stopped} live token(s) stop working at once${
      i.live_tokens_stopped
        ? ` (${Object.entries(i.by_user)
            .map(([u, n]) => `${u}: ${n}`)
            .join(', ')})`
        : ''
    }`,
  ];
  if (i.cuts_off_caller)
    lines.push('the token this call came with is one of them: the call needs include_own_token');
  return lines;
}

export function guardOwn(i: RevocationImpact, includeOwn: boolean, what: string): void {
  if (i.cuts_off_caller && !includeOwn) refuseOwn(what);
}

/**
 * A plan as a call (not a dry run) sees it: one that cuts off the caller without include_own_token
 * is refused here, before an approval is asked for a call that would be refused anyway.
 */
export function ownGuardedPlan(
  plan: Plan,
  input: { include_own_token?: boolean; dry_run?: boolean },
  what: string,
): Plan {
  if (plan.impact?.cuts_off_caller === true && !input.include_own_token && input.dry_run !== true)
    refuseOwn(what);
  return plan;
}
