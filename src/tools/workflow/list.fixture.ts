import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { workflowList } from './list.js';

export const fixture: ToolFixture = {
  tool: workflowList,
  input: () => ({}),
  holds: {
    'lists the bundled hello workflow': (out: { workflows: { name: string }[] }) =>
      out.workflows.some((w) => w.name === 'hello'),
  },
};
