import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { auditList } from './list.js';

export const fixture: ToolFixture = {
  tool: auditList,
  input: () => ({ limit: 5 }),
};
