import { z } from 'zod';
import { BackupId } from '../../core/backup/manifest.js';
import { VerifyReport } from '../../core/backup/schemas.js';
import { defineTool } from '../define.js';
import { progressOf } from './shared.js';

export const backupVerify = defineTool({
  name: 'backup_verify',
  title: 'Verify a backup',
  description:
    'Read a whole backup archive and check its HMAC signature, the size and SHA-256 of every entry, and that it ' +
    'reads to the end (not truncated). Use it before relying on a backup; restore does it too. Fails with a ' +
    'clear reason when the archive was altered, cut short or signed with another key. Returns what it holds.',
  role: 'operator',
  long: true,
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({ backup_id: BackupId }),
  output: VerifyReport,
  cli: { positional: ['backup_id'] },
  run: async ({ backup_id }, ctx) => {
    const {
      manifest: _m,
      bytes: _b,
      ...report
    } = await ctx.core.backups.verify(backup_id, progressOf(ctx), {
      signal: ctx.signal,
    });
    return report;
  },
});
