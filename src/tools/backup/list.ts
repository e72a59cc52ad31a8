import { z } from 'zod';
import { BackupSummary } from '../../core/backup/schemas.js';
import { defineTool } from '../define.js';

export const backupList = defineTool({
  name: 'backup_list',
  title: 'List backups',
  description:
    'List the complete backups in the backup store, newest first: id, type, size, created, location and when ' +
    'each was last verified. Interrupted backups are never listed. Use it to pick a backup to verify or restore.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: z.strictObject({ backups: z.array(BackupSummary) }),
  run: async (_input, { core }) => ({ backups: await core.backups.list() }),
});
