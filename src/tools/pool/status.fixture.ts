import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolStatus } from './status.js';

export const fixture: ToolFixture = {
  tool: poolStatus,
  input: async (core) => {
    await pool(core, 'shown');
    return { pool: 'shown' };
  },
  matches: { name: 'shown', state: 'active', members: [] },
};
