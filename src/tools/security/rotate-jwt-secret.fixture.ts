import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { securityRotateJwtSecret } from './rotate-jwt-secret.js';

export const fixture: ToolFixture = {
  tool: securityRotateJwtSecret,
  input: () => ({}),
  matches: { revoked: [] },
  holds: { 'names the new key': (out: { kid: unknown }) => typeof out.kid === 'string' },
};
