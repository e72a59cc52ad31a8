import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { drCheck } from './check.js';

export const fixture: ToolFixture = {
  tool: drCheck,
  input: () => ({}),
  matches: { ok: true },
};
