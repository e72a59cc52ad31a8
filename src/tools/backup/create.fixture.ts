import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { backupCreate } from './create.js';

export const fixture: ToolFixture = {
  tool: backupCreate,
  input: () => ({ type: 'full' }),
  holds: { 'names the backup': (out: { id: string }) => /^backup_\d{8}_\d{6}/.test(out.id) },
};
