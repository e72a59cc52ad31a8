import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { securityRotateSecrets } from './rotate-secrets.js';

export const fixture: ToolFixture = {
  tool: securityRotateSecrets,
  input: () => ({}),
  holds: {
    'rotates the token signing key': (out: { secrets: { secret: string; action: string }[] }) =>
      out.secrets.some((s) => s.secret === 'token signing key' && s.action === 'rotated'),
  },
};
