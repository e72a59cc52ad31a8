import { backup, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { backupVerify } from './verify.js';

export const fixture: ToolFixture = {
  tool: backupVerify,
  input: async (core) => ({ backup_id: await backup(core) }),
  matches: { ok: true },
};
