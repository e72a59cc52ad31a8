import { join } from 'node:path';
import { z } from 'zod';
import { extractSettings } from '../../core/backup/extract.js';
import { BackupId } from '../../core/backup/manifest.js';
import { planRestore } from '../../core/backup/plan.js';
import { RestoreResult } from '../../core/backup/schemas.js';
import { defineTool } from '../define.js';
import { progressOf } from './shared.js';

export const backupRestore = defineTool({
  name: 'backup_restore',
  title: 'Restore a backup',
  description:
    'Replace the whole state store with a backup. It verifies the archive first and refuses a tampered, ' +
    'truncated, unsigned or incompatible one without touching anything; then saves the current state as a ' +
    'safety backup and restores all or nothing in one transaction. Through a running server it runs in ' +
    'maintenance (other writes are refused meanwhile); offline it works with the server stopped. The settings ' +
    'files in the archive (secrets removed) are written beside the data for comparison, never applied. ' +
    'Returns the safety backup id and what was restored.',
  role: 'admin',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  // the restore is what maintenance is for: it runs inside it
  maintenance: 'allowed',
  input: z.strictObject({ backup_id: BackupId }),
  output: RestoreResult,
  cli: { positional: ['backup_id'] },
  // what would change (rows per table, users and pools, newer backups, tokens), from the archive and live state
  plan: ({ backup_id }, { core }) => planRestore(core.backups, core.db, backup_id),
  run: async ({ backup_id }, ctx) => {
    const { core } = ctx;
    let safety = '';
    const r = await core.maintenance.during(`restoring ${backup_id}`, () =>
      core.backups.restore(backup_id, {
        progress: progressOf(ctx),
        before: async () => {
          safety = (await core.backups.create({ type: 'safety' })).id;
        },
      }),
    );
    // the restored audit log starts this call's record (its first one went with the old state)
    await core.audit.append({
      callId: ctx.callId,
      phase: 'begin',
      principal: ctx.principal,
      tool: 'backup_restore',
      input: { backup_id, safety_backup: safety, restored: true },
    });
    const dir = join(core.config.data.dir, 'restored', backup_id);
    const written = extractSettings(join(dir, 'settings'), r.settings);
    return {
      backup_id,
      safety_backup: safety,
      tables: r.tables,
      rows: r.rows,
      seconds: Math.round(r.seconds * 1000) / 1000,
      settings_dir: written.length ? join(dir, 'settings') : null,
    };
  },
});
