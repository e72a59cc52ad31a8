import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { poolSpawn } from './spawn.js';

export const fixture: ToolFixture = {
  tool: poolSpawn,
  input: () => ({ type: 'mahavishnu', name: 'spawned', min: 0, max: 3 }),
  matches: { name: 'spawned', min: 0, max: 3, desired: 0 },
};
