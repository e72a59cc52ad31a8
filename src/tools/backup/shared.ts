import type { OnProgress } from '../../core/backup/backups.js';
import { planLines } from '../../core/backup/plan.js';
import type { Core } from '../../core/core.js';
import type { Plan } from '../../core/plan.js';
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
  return {
    steps: planLines(p, { safetyIn: (await core.backups.blob()).location, store: core.db.location }),
    impact: p,
    basis: {
      id,
      newer: p.newer_backups,
      live: p.tables.filter((t) => t.name !== 'audit_log').map((t) => [t.name, t.live_rows]),
    },
  };
}
