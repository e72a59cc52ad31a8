import { backup, type ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { drRecover } from './recover.js';

export const fixture: ToolFixture = {
  tool: drRecover,
  last: true,
  input: async (core) => ({ backup: await backup(core) }),
  matches: { ok: true },
};
