import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolScale } from './scale.js';

export const fixture: ToolFixture = {
  tool: poolScale,
  input: async (core) => {
    await pool(core, 'scaled', 0, 5);
    return { pool: 'scaled', target: '+2' };
  },
  matches: { desired: 2 },
};
