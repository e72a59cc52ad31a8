import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolClose } from './close.js';

export const fixture: ToolFixture = {
  tool: poolClose,
  input: async (core) => {
    await pool(core, 'closed');
    return { pool: 'closed' };
  },
  matches: { state: 'closed' },
};
