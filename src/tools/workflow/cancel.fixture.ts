import { queuedRun, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { workflowCancel } from './cancel.js';

export const fixture: ToolFixture = {
  tool: workflowCancel,
  input: async (core) => ({ id: await queuedRun(core) }),
  matches: { state: 'cancelled' },
};
