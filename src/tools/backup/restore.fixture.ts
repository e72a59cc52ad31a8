import { backup, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { backupRestore } from './restore.js';

export const fixture: ToolFixture = {
  tool: backupRestore,
  last: true,
  input: async (core) => ({ backup_id: await backup(core) }),
  holds: { 'restores a backup': (out: { backup_id: string }) => out.backup_id.startsWith('backup_') },
};
