import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, testCore, viewer } from '../../test/helpers/core.js';
import type { Core } from '../core/core.js';
import { roleAllows } from '../core/principal.js';
import type { Tool } from './define.js';
import { TOOLS } from './index.js';
import { invoke } from './invoke.js';
import { FIXTURES } from './tools.fixtures.js';

/**
 * Every tool: a valid call succeeds, an invalid one is refused naming the key, and a caller whose
 * role is too low is refused. A tool without a fixture fails here, so none is left untested.
 */
describe('every tool', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const key = 'tools-test-key-0123456789abcdef0123456789';
    ({ core, cleanup } = await testCore('sqlite', { backup: { signing_key: key, encryption_key: key } }));
    for (const f of Object.values(FIXTURES)) await f.setup?.(core);
  });
  afterAll(async () => cleanup());

  it('has a fixture for each tool', () => {
    expect(TOOLS.map((t) => t.name).filter((n) => !FIXTURES[n])).toEqual([]);
  });

  // tools that replace the whole state (restores) run after the rest
  const ordered = [...TOOLS].sort(
    (a, b) => Number(!!FIXTURES[a.name]?.last) - Number(!!FIXTURES[b.name]?.last),
  );
  describe.each(ordered.map((t) => [t.name, t] as [string, Tool]))('%s', (name, tool) => {
    const fx = () => FIXTURES[name]!;

    it('succeeds with valid input and returns output that matches its schema', async () => {
      const out = await invoke(tool, fx().valid, { core, principal: admin });
      expect(tool.output.safeParse(out).success).toBe(true);
      fx().check?.(out);
    });

    it('refuses a misspelled key, naming it', async () => {
      const bad = { ...fx().valid, definitely_not_a_key: 1 };
      await expect(invoke(tool, bad, { core, principal: admin })).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringContaining('definitely_not_a_key'),
      });
    });

    it.runIf(tool.role !== 'viewer')('refuses a caller whose role is too low', async () => {
      expect(roleAllows('viewer', tool.role)).toBe(false);
      await expect(invoke(tool, fx().valid, { core, principal: viewer })).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining(`needs role ${tool.role}`),
      });
    });
  });
});
