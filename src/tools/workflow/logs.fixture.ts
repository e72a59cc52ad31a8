import { queuedRun, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { workflowLogs } from './logs.js';

export const fixture: ToolFixture = {
  tool: workflowLogs,
  input: async (core) => ({ id: await queuedRun(core) }),
};
