import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { auditVerify } from './verify.js';

export const fixture: ToolFixture = {
  tool: auditVerify,
  input: () => ({}),
  matches: { ok: true },
};
