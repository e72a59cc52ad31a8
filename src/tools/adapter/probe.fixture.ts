import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { adapterProbe } from './probe.js';

export const fixture: ToolFixture = {
  tool: adapterProbe,
  input: () => ({ name: 'main' }),
  matches: { adapter: 'main', ok: true, breaker: { name: 'main', state: 'closed' } },
};
