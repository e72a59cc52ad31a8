import { z } from 'zod';
import { BackupId } from '../../core/backup/manifest.js';
import { RestoreOptions } from '../../core/backup/schemas.js';
import { RecoverReport } from '../../core/dr/schemas.js';
import { progressOf, restorePlan } from '../backup/shared.js';
import { defineTool } from '../define.js';

export const drRecover = defineTool({
  name: 'dr_recover',
  title: 'Recover from a disaster',
  description:
    'Run the whole recovery procedure from one backup: verify it, restore it all or nothing while in maintenance ' +
    'keeping the state it replaced as a safety backup, reconnect to the store, pass the health gate, and ' +
    'record it in the audit log. Use it after data loss or corruption (dr_check first). Returns each step and ' +
    'whether it passed.',
  role: 'admin',
  long: true,
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  // the restore is what maintenance is for: it runs inside it
  maintenance: 'allowed',
  input: z.strictObject({ backup: BackupId, ...RestoreOptions }),
  output: RecoverReport,
  plan: async ({ backup }, { core, signal }) => {
    const p = await restorePlan(core, backup, signal);
    return { ...p, steps: [...p.steps, 'then reconnect to the store and run the health gate'] };
  },
  run: async ({ backup, import_keys, allow_other_installation, cancel_running }, ctx) =>
    ctx.core.dr.recover(
      backup,
      { principal: ctx.principal, callId: ctx.callId, tool: 'dr_recover' },
      {
        importKeys: import_keys,
        allowOtherInstallation: allow_other_installation,
        cancelRunning: cancel_running,
        signal: ctx.signal,
        progress: progressOf(ctx),
      },
    ),
});
