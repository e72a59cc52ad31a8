import { z } from 'zod';
import { retention } from '../../core/backup/prune.js';
import type { Core } from '../../core/core.js';
import { defineTool } from '../define.js';

const Policy = z.strictObject({
  keep_last: z.number().int().min(0).default(7).describe('Keep the N newest backups.'),
  keep_daily: z
    .number()
    .int()
    .min(0)
    .default(7)
    .describe('Keep the newest backup of each of the last N days that have one.'),
  keep_weekly: z
    .number()
    .int()
    .min(0)
    .default(4)
    .describe('Keep the newest backup of each of the last N ISO weeks.'),
  keep_monthly: z
    .number()
    .int()
    .min(0)
    .default(6)
    .describe('Keep the newest backup of each of the last N months.'),
});

async function decide(core: Core, p: z.output<typeof Policy>) {
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
  input: Policy,
  output: z.strictObject({
    deleted: z.array(z.string()),
    kept: z.array(z.strictObject({ id: z.string(), reasons: z.array(z.string()) })),
  }),
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
