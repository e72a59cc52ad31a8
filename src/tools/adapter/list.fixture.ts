import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { adapterList } from './list.js';

export const fixture: ToolFixture = {
  tool: adapterList,
  input: () => ({}),
  matches: { adapters: [{ name: 'main', state: 'closed' }] },
};
