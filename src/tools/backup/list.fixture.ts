import { backup, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { backupList } from './list.js';

export const fixture: ToolFixture = {
  tool: backupList,
  input: async (core) => {
    await backup(core);
    return {};
  },
  holds: { 'lists the backup': (out: { backups: unknown[] }) => out.backups.length > 0 },
};
