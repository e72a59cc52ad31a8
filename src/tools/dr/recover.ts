import { z } from 'zod';
import { BackupId } from '../../core/backup/manifest.js';
import { planRestore } from '../../core/backup/plan.js';
import { RecoverReport } from '../../core/dr/schemas.js';
import { defineTool } from '../define.js';

export const drRecover = defineTool({
  name: 'dr_recover',
  title: 'Recover from a disaster',
  description:
    'Run the whole recovery procedure from one backup: verify it, take a safety backup of the current state, ' +
    'restore it in one transaction while in maintenance, reconnect to the store, pass the health gate, and ' +
    'record it in the audit log. Use it after data loss or corruption (dr_check first). Returns each step and ' +
    'whether it passed.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  // the restore is what maintenance is for: it runs inside it
  maintenance: 'allowed',
  input: z.strictObject({ backup: BackupId }),
  output: RecoverReport,
  plan: async ({ backup }, { core }) => {
    const p = await planRestore(core.backups, core.db, backup);
    return {
      ...p,
      steps: [
        ...p.steps,
        'then reconnect to the store, run the health gate and record the recovery in the audit log',
      ],
    };
  },
  run: async ({ backup }, ctx) =>
    ctx.core.dr.recover(backup, { principal: ctx.principal, callId: ctx.callId, tool: 'dr_recover' }),
});
