import type { OnProgress } from '../../core/backup/backups.js';
import { planLines } from '../../core/backup/plan.js';
import type { Core } from '../../core/core.js';
import type { Plan } from '../../core/plan.js';
import { liveTokens } from '../../core/users/access.js';
import type { ToolContext } from '../define.js';

/** Tool progress from the domain's (done, total, message) callbacks. */
export const progressOf =
  (ctx: ToolContext): OnProgress =>
  (done, total, message) =>
    ctx.progress({ progress: done, ...(total > 0 ? { total } : {}), message });

/**
 * The restore plan of backup_restore and dr_recover: the lines, the facts as impact, and as basis
 * (what an approval is bound to) the backup, the newer backups and the live rows per table, the
 * audit log aside (every call appends to it).
 */
export async function restorePlan(core: Core, id: string, signal?: AbortSignal): Promise<Plan> {
  const p = await core.backups.planRestore(id, signal);
  const tokens = await tokenImpact(core, p.users.narrowed);
  return {
    steps: [
      ...planLines(p, { safetyIn: (await core.backups.blob()).location, store: core.db.location }),
      `tokens: ${tokens.keep_working} of ${tokens.live} live token(s) keep working as they are (keys, revocations and ` +
        `disabled users are never rolled back); ${tokens.of_narrowed_users} belong to narrowed users ` +
        `(${p.users.narrowed.join(', ') || 'none'}) and work on with the lower role, or stop if the archive has the user disabled`,
    ],
    impact: { ...p, tokens },
    basis: {
      id,
      newer: p.newer_backups,
      live: p.tables.filter((t) => t.name !== 'audit_log').map((t) => [t.name, t.live_rows]),
    },
  };
}

/** What a restore does to the live tokens: it never revokes one, but a user it narrows may lose some. */
async function tokenImpact(core: Core, narrowed: readonly string[]) {
  const live = await liveTokens(core.users);
  const ofNarrowed = live.filter((t) => narrowed.includes(t.username)).length;
  return { live: live.length, keep_working: live.length - ofNarrowed, of_narrowed_users: ofNarrowed };
}
