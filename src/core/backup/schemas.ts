import { z } from 'zod';

/** The backup shapes: the tools' inputs and outputs and the core's types are all these. */

export const BackupSummary = z.strictObject({
  id: z.string().describe('Backup id (backup_YYYYMMDD_HHMMSS[_n]).'),
  type: z.string().describe('full, safety (taken before a restore), or unknown (copied in from elsewhere).'),
  size_bytes: z.number().int(),
  created: z.string().describe('ISO time the backup was taken.'),
  location: z.string().describe('Path or s3:// URL of the archive.'),
  last_verified: z.string().nullable().describe('When backup_verify (or a restore) last read it, if ever.'),
  verified_ok: z.boolean().nullable().describe('Outcome of that verification.'),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

/** What backup_create reports: the new backup and what went into it. */
export const BackupCreated = BackupSummary.extend({
  duration_seconds: z.number(),
  tables: z.number().int(),
  rows: z.number().int(),
  cleaned_up: z.array(z.string()).describe('Interrupted backups whose leftovers were removed first.'),
  store: z.string().describe('The state store that was backed up.'),
  fallback: z
    .string()
    .optional()
    .describe('Set when a safety backup went to the local folder because S3 could not be reached, and why.'),
});
export type BackupCreated = z.infer<typeof BackupCreated>;

export const VerifyReport = z.strictObject({
  id: z.string(),
  ok: z.literal(true),
  created: z.string(),
  type: z.string(),
  schema_version: z.number().int(),
  entries: z.number().int().describe('Archive entries read (data, settings, manifest, signature).'),
  tables: z.number().int(),
  rows: z.number().int(),
  uncompressed_bytes: z.number().int(),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

/** Which backups backup_prune keeps. */
export const Retention = z.strictObject({
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
export type Retention = z.output<typeof Retention>;

/** What backup_prune did: the deleted ids, and why each kept backup stays. */
export const PruneResult = z.strictObject({
  deleted: z.array(z.string()),
  kept: z.array(z.strictObject({ id: z.string(), reasons: z.array(z.string()) })),
});

/** What backup_restore did. */
export const RestoreResult = z.strictObject({
  backup_id: z.string(),
  safety_backup: z.string().describe('Backup of the state as it was just before, to undo the restore.'),
  safety_backup_location: z
    .string()
    .describe(
      'Where the safety backup is: the configured store, or the local folder when S3 could not be reached.',
    ),
  warnings: z
    .array(z.string())
    .describe('What the caller should know, e.g. the safety backup fell back to the local folder.'),
  tables: z.number().int(),
  rows: z.number().int(),
  seconds: z.number(),
  settings_dir: z
    .string()
    .nullable()
    .describe("Where the archive's settings files (secrets removed) were written."),
  replaced: z.array(z.string()).describe("Tables whose rows are now the archive's."),
  merged: z
    .array(z.strictObject({ table: z.string(), detail: z.string() }))
    .describe('Security state and history, merged and never rolled back, and what happened to each.'),
  maintenance: z
    .strictObject({
      paused: z
        .array(z.string())
        .describe('Other processes of the installation that stopped writing and claiming.'),
      drained: z.array(z.string()).describe('Running workflow steps the restore waited for.'),
      cancelled: z
        .array(z.string())
        .describe('Running workflow steps cancelled (cancel_running) and recorded so.'),
    })
    .describe('The installation-wide maintenance the restore ran in.'),
});

/** The options a restore (backup_restore, dr_recover) takes beside the backup id. */
export const RestoreOptions = {
  import_keys: z
    .boolean()
    .default(false)
    .describe(
      'Also import token signing keys that exist only in the archive (their private keys). Off: the live keyring stays exactly as it is.',
    ),
  allow_other_installation: z
    .boolean()
    .default(false)
    .describe(
      'Restore a backup taken by another installation (e.g. onto a fresh machine). Off: such a backup is refused.',
    ),
  cancel_running: z
    .boolean()
    .default(false)
    .describe(
      'Cancel workflow steps still running anywhere in the installation (recorded as cancelled) instead of waiting for them to end.',
    ),
};
