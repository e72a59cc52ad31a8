import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolUpdate } from './update.js';

export const fixture: ToolFixture = {
  tool: poolUpdate,
  input: async (core) => {
    await pool(core, 'bounded', 0, 2);
    return { pool: 'bounded', max: 6, autoscale: true };
  },
  matches: { max: 6, autoscale: true, changes: ['max 2 → 6', 'autoscale on'] },
};
