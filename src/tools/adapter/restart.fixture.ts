import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { adapterRestart } from './restart.js';

export const fixture: ToolFixture = {
  tool: adapterRestart,
  input: () => ({ name: 'main' }),
  matches: { adapter: 'main', closed: true, state: 'closed' },
};
