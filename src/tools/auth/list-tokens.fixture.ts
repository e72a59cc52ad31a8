import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { authListTokens } from './list-tokens.js';

export const fixture: ToolFixture = {
  tool: authListTokens,
  input: async (core) => {
    await core.users.create({ username: 'listed.tokens', role: 'viewer' });
    await core.tokens.mint('listed.tokens', 300, 'the.admin');
    return { username: 'listed.tokens' };
  },
  holds: {
    'records who minted it': (out: { tokens: Array<{ minted_by: string }> }) =>
      out.tokens.length === 1 && out.tokens[0]!.minted_by === 'the.admin',
  },
};
