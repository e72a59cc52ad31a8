import { z } from 'zod';
import { DR_LEVELS } from '../../core/dr/dr.js';
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
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    level: z
      .enum(DR_LEVELS as [string, ...string[]])
      .default('restore')
      .describe('How deep to check: exists, verify or restore (all three).'),
  }),
  output: z.strictObject({
    ok: z.boolean(),
    backup_id: z.string().nullable().describe('The newest backup, the one checked.'),
    rpo_objective_hours: z.number(),
    measured_rpo_seconds: z
      .number()
      .nullable()
      .describe('Age of the newest backup: the data a disaster now would lose.'),
    measured_restore_seconds: z.number().nullable().describe('How long restoring it took (level restore).'),
    levels: z.array(
      z.strictObject({ level: z.string(), ok: z.boolean(), message: z.string(), seconds: z.number() }),
    ),
  }),
  run: async ({ level }, { core }) => core.dr.check(level as (typeof DR_LEVELS)[number]),
});
