import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolList } from './list.js';

export const fixture: ToolFixture = {
  tool: poolList,
  input: async (core) => {
    await pool(core, 'listed');
    return {};
  },
  holds: {
    'lists the pool': (out: { pools: { name: string }[] }) => out.pools.some((p) => p.name === 'listed'),
  },
};
