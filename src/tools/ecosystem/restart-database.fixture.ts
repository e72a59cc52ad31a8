import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { ecosystemRestartDatabase } from './restart-database.js';

export const fixture: ToolFixture = {
  tool: ecosystemRestartDatabase,
  input: () => ({}),
  matches: { restarted: ['state_store', 'cache'] },
};
