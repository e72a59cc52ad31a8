import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { configValidate } from './validate.js';

export const fixture: ToolFixture = {
  tool: configValidate,
  input: () => ({}),
  matches: { valid: true },
};
