import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolMoveQueue } from './move-queue.js';

export const fixture: ToolFixture = {
  tool: poolMoveQueue,
  input: async (core) => {
    // pools of its own, so the runs other fixtures queued stay where they are
    await pool(core, 'crowded');
    await pool(core, 'overflow');
    await core.workflows.run(
      { name: 'hello', params: {}, pool: 'crowded', timeout_ms: 1000, retries: 0 },
      'fx',
    );
    return { from: 'crowded', to: 'overflow' };
  },
  matches: { from: 'crowded', to: 'overflow', moved: 1, left: 0 },
};
