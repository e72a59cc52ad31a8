import { pool, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { workflowRun } from './run.js';

export const fixture: ToolFixture = {
  tool: workflowRun,
  input: async (core) => {
    await pool(core, 'default');
    return { name: 'hello', params: { who: 'fixture' } };
  },
  matches: { workflow: 'hello', state: 'queued', params: { who: 'fixture' } },
};
