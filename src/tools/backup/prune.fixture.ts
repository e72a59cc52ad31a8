import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { backupPrune } from './prune.js';

export const fixture: ToolFixture = {
  tool: backupPrune,
  input: () => ({ keep_last: 100 }),
  matches: { deleted: [] },
};
