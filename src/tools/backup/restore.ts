import { join } from 'node:path';
import { z } from 'zod';
import { extractSettings } from '../../core/backup/extract.js';
import { BackupId } from '../../core/backup/manifest.js';
import { RestoreOptions, RestoreResult } from '../../core/backup/schemas.js';
import { defineTool } from '../define.js';
import { progressOf, restorePlan } from './shared.js';

export const backupRestore = defineTool({
  name: 'backup_restore',
  title: 'Restore a backup',
  description:
    'Restore the state store from a backup. It verifies the archive first and refuses a tampered, ' +
    'truncated, unsigned, forged or incompatible one (or one from another installation, unless allowed) without ' +
    'touching anything; then restores all or nothing and keeps the state it replaced as a safety backup (on the ' +
    'embedded store, the replaced database file, sealed into its archive right after the call returns). Pools, workflows and the rest are replaced; security state is never rolled back (signing keys, ' +
    'revocations and disabled users stay as they are live) and the audit log is kept and appended to. Through a ' +
    'running server it runs in maintenance; offline it works with the server stopped. The settings files in the ' +
    'archive (secrets removed) are written beside the data for comparison, never applied. Returns the safety ' +
    'backup id and what was replaced and merged. dry_run returns the plan: age, installation, newer backups, ' +
    'rows per table live vs archive, users and pools appearing or vanishing.',
  role: 'admin',
  long: true,
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  // the restore is what maintenance is for: it runs inside it
  maintenance: 'allowed',
  input: z.strictObject({ backup_id: BackupId, ...RestoreOptions }),
  output: RestoreResult,
  cli: { positional: ['backup_id'] },
  plan: ({ backup_id }, { core, signal }) => restorePlan(core, backup_id, signal),
  run: async ({ backup_id, import_keys, allow_other_installation, cancel_running }, ctx) => {
    const { core } = ctx;
    const progress = progressOf(ctx);
    let held = { paused: [] as string[], drained: [] as string[], cancelled: [] as string[] };
    const r = await core.maintenance.during(
      `restoring ${backup_id}`,
      (report) => {
        held = report;
        return core.backups.restore(backup_id, {
          progress,
          signal: ctx.signal,
          importKeys: import_keys,
          allowOtherInstallation: allow_other_installation,
          safety: true,
        });
      },
      { cancelRunning: cancel_running, signal: ctx.signal, progress: (m) => progress(0, 0, m) },
    );
    const safety = r.safety?.id ?? '';
    const warnings = [...(r.safety?.fallback ? [r.safety.fallback] : []), ...(r.warnings ?? [])];
    // the live chain was kept: the restore's own record follows the rotation records and the rest
    await core.audit.append({
      callId: ctx.callId,
      phase: 'end',
      principal: ctx.principal,
      tool: 'backup_restore',
      input: {
        backup_id,
        from_installation: r.manifest.installation ?? null,
        safety_backup: safety,
        replaced: r.replaced,
        merged: r.merged.map((m) => m.table),
        users_narrowed: r.users.tightened,
        users_added_disabled: r.users.added_disabled,
        steps_drained: held.drained,
        steps_cancelled: held.cancelled,
      },
      outcome: 'restored',
    });
    const dir = join(core.config.data.dir, 'restored', backup_id);
    const written = extractSettings(join(dir, 'settings'), r.settings);
    return {
      backup_id,
      safety_backup: safety,
      safety_backup_location: r.safety?.location ?? '',
      warnings,
      tables: r.tables,
      rows: r.rows,
      seconds: Math.round(r.seconds * 1000) / 1000,
      settings_dir: written.length ? join(dir, 'settings') : null,
      replaced: r.replaced,
      merged: r.merged,
      maintenance: held,
    };
  },
});
