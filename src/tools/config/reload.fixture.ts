import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { configReload } from './reload.js';

export const fixture: ToolFixture = {
  tool: configReload,
  input: () => ({}),
  matches: { applied: true },
};
