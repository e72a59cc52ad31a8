import { z } from 'zod';
import type { OnProgress } from '../../core/backup/backups.js';
import type { ToolContext } from '../define.js';

export const BackupOut = z.strictObject({
  id: z.string().describe('Backup id (backup_YYYYMMDD_HHMMSS[_n]).'),
  type: z.string().describe('full, safety (taken before a restore), or unknown (copied in from elsewhere).'),
  size_bytes: z.number().int(),
  created: z.string().describe('ISO time the backup was taken.'),
  location: z.string().describe('Path or s3:// URL of the archive.'),
  last_verified: z.string().nullable().describe('When backup_verify (or a restore) last read it, if ever.'),
  verified_ok: z.boolean().nullable().describe('Outcome of that verification.'),
});

/** Tool progress from the domain's (done, total, message) callbacks. */
export const progressOf =
  (ctx: ToolContext): OnProgress =>
  (done, total, message) =>
    ctx.progress({ progress: done, ...(total > 0 ? { total } : {}), message });
