import { z } from 'zod';
import { BackupCreated } from '../../core/backup/schemas.js';
import { defineTool } from '../define.js';
import { progressOf } from './shared.js';

export const backupCreate = defineTool({
  name: 'backup_create',
  title: 'Create a backup',
  description:
    'Take a full backup of the whole state store (users, pools, workflows, audit log, …) and the settings files ' +
    '(secrets removed) as a signed .tar.gz in the backup store (local folder or S3). Use it before risky changes ' +
    'and daily from cron. Needs backup.signing_key set outside the store. The archive appears only when complete; ' +
    'leftovers of an interrupted backup are cleaned first. Returns the backup id, size, location and duration.',
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
  input: z.strictObject({
    type: z
      .enum(['full'])
      .default('full')
      .describe('Backup type; "full" (the whole state store) is the only one.'),
  }),
  output: BackupCreated,
  run: async ({ type }, ctx) =>
    ctx.core.backups.create({ type, progress: progressOf(ctx), signal: ctx.signal }),
});
