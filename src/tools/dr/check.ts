import { z } from 'zod';
import { DrLevel, DrReport } from '../../core/dr/schemas.js';
import { progressOf } from '../backup/shared.js';
import { defineTool } from '../define.js';

export const drCheck = defineTool({
  name: 'dr_check',
  title: 'Check disaster recovery readiness',
  description:
    'Check, level by level, that the state could be recovered: "exists" (a backup exists and the newest is within ' +
    'the recovery point objective dr.rpo_hours), "verify" (the newest verifies), "restore" (the newest restores ' +
    'into a scratch store and passes sanity queries). Stops at the first failing level. Use it daily and before ' +
    "relying on backups. Returns each level's result, the measured RPO and the measured restore time.",
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    level: DrLevel.default('restore').describe('How deep to check: exists, verify or restore (all three).'),
  }),
  output: DrReport,
  run: async ({ level }, ctx) => ctx.core.dr.check(level, { signal: ctx.signal, progress: progressOf(ctx) }),
});
