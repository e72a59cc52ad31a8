import { retention } from '../../core/backup/prune.js';
import { PruneResult, Retention } from '../../core/backup/schemas.js';
import type { Core } from '../../core/core.js';
import { defineTool } from '../define.js';

async function decide(core: Core, p: Retention) {
  return retention(await core.backups.list(), p);
}

export const backupPrune = defineTool({
  name: 'backup_prune',
  title: 'Prune old backups',
  description:
    'Delete backups that a retention policy no longer keeps (keep the N newest, and the newest of each of the ' +
    'last N days, weeks and months). The newest verified backup is never deleted. Run with dry_run first to see ' +
    'what would go. Returns the deleted ids and why each kept one stays.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  input: Retention,
  output: PruneResult,
  plan: async (p, { core }) => {
    const { keep, drop } = await decide(core, p);
    return [
      ...drop.map((b) => `delete ${b.id} (${b.location})`),
      ...[...keep].map(([id, why]) => `keep ${id} (${why.join(', ')})`),
    ];
  },
  run: async (p, { core }) => {
    const { keep, drop } = await decide(core, p);
    for (const b of drop) await core.backups.remove(b.id);
    return { deleted: drop.map((b) => b.id), kept: [...keep].map(([id, reasons]) => ({ id, reasons })) };
  },
});
