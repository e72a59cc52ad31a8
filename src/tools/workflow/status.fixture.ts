import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { workflowStatus } from './status.js';

export const fixture: ToolFixture = {
  tool: workflowStatus,
  input: () => ({}),
};
