import { AppError, notFound } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Principal } from '../principal.js';
import type { IssuedToken, User } from './schemas.js';
import type { Users } from './users.js';

/**
 * Disabling a user and revoking a single token: the plans (computed from the store, naming the
 * tokens that stop working and whether the caller's own is one) and the calls, which refuse to
 * cut off the caller's own token or user unless include_own_token says so.
 */

/** Tokens still usable: unexpired, not revoked alone, minted after the user's per-user revocation. */
export async function liveTokens(users: Users, username?: string): Promise<IssuedToken[]> {
  const rows = await users.tokens.list({ username, live: true, limit: 10_000 });
  const notBefore = new Map<string, number | null>();
  const out: IssuedToken[] = [];
  for (const t of rows) {
    if (!notBefore.has(t.username))
      notBefore.set(t.username, (await users.tokenState(t.username))?.tokens_not_before ?? null);
    const nbf = notBefore.get(t.username);
    if (nbf === null || nbf === undefined || Date.parse(t.issued_at) >= nbf) out.push(t);
  }
  return out;
}

const brief = (t: IssuedToken) => ({ jti: t.jti, username: t.username, expires_at: t.expires_at });

/** Whether the call cuts off the caller: its own token among `jtis`, or its own user disabled. */
const ownAt = (p: Principal, jtis: readonly string[], user?: string) =>
  (p.tokenId !== undefined && jtis.includes(p.tokenId)) || (user !== undefined && p.username === user);

export function refuseOwn(what: string): never {
  throw new AppError(
    'invalid_input',
    `${what} would cut off your own access (the token or user this call came with); ` +
      'if that is what you want, repeat the call with include_own_token: true (--include-own-token), ' +
      'or make it with another admin token',
  );
}

async function userOrFail(users: Users, username: string): Promise<User> {
  const u = await users.get(username);
  if (!u) throw notFound(`user "${username}" does not exist; list users with \`auth_list_users\``);
  return u;
}

export async function disablePlan(users: Users, username: string, caller: Principal): Promise<Plan> {
  const u = await userOrFail(users, username);
  const tokens = await liveTokens(users, username);
  const own = ownAt(
    caller,
    tokens.map((t) => t.jti),
    username,
  );
  return {
    steps: [
      u.disabled
        ? `user "${username}" is already disabled: nothing changes`
        : `disable user "${username}" (role ${u.role}): its ${tokens.length} live token(s) and its password sign-in are refused at once`,
      ...(own ? ['this cuts off your own access: the call needs include_own_token'] : []),
    ],
    impact: {
      user: username,
      already_disabled: u.disabled,
      live_tokens: tokens.length,
      tokens: tokens.slice(0, 50).map(brief),
      cuts_off_caller: own,
    },
  };
}

export async function disableUser(users: Users, username: string, caller: Principal, includeOwn: boolean) {
  const plan = await disablePlan(users, username, caller);
  if (plan.impact?.cuts_off_caller && !includeOwn) refuseOwn(`disabling "${username}"`);
  const user = await users.setDisabled(username, true);
  return { user, live_tokens_refused: Number(plan.impact?.live_tokens ?? 0) };
}

export async function revokePlan(users: Users, jti: string, caller: Principal): Promise<Plan> {
  const t = await users.tokens.get(jti);
  if (!t) throw notFound(`no token with id ${jti} was minted here; list tokens with \`auth_list_tokens\``);
  const live = (await liveTokens(users, t.username)).some((l) => l.jti === jti);
  const own = ownAt(caller, [jti]);
  return {
    steps: [
      live
        ? `revoke token ${jti} of "${t.username}" (minted by ${t.minted_by}, expires ${t.expires_at}): refused at once; the user's other tokens keep working`
        : `token ${jti} of "${t.username}" no longer works (${t.revoked_at ? 'revoked' : 'expired or revoked with the user'}): it is recorded revoked`,
      ...(own ? ['this is the token this call came with: the call needs include_own_token'] : []),
    ],
    impact: { token: brief(t), live, cuts_off_caller: own },
  };
}

export async function revokeToken(users: Users, jti: string, caller: Principal, includeOwn: boolean) {
  const plan = await revokePlan(users, jti, caller);
  if (plan.impact?.cuts_off_caller && !includeOwn) refuseOwn(`revoking token ${jti}`);
  const { token, already } = await users.revokeToken(jti, caller.username);
  return { token, already_revoked: already };
}
