import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, testCore, viewer } from '../../test/helpers/core.js';
import type { ToolFixture } from '../../test/helpers/tool-fixture.js';
import type { Core } from '../core/core.js';
import { roleAllows } from '../core/principal.js';
import type { Tool } from './define.js';
import { TOOLS } from './index.js';
import { invoke } from './invoke.js';

/** Every `<noun>/<verb>.fixture.ts` under src/tools/, with the module of the tool beside it. */
const FOUND = await Promise.all(
  readdirSync(new URL('.', import.meta.url), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.fixture.ts'))
    .sort()
    .map(async (file) => ({
      file,
      fixture: ((await import(`./${file}`)) as { fixture: ToolFixture }).fixture,
      beside: (await import(`./${file.replace(/\.fixture\.ts$/, '.ts')}`)) as Record<string, unknown>,
    })),
);
const FIXTURES = new Map(FOUND.map(({ fixture }) => [fixture.tool.name, fixture]));

/**
 * Every tool: a valid call succeeds, an invalid one is refused naming the key, and a caller whose
 * role is too low is refused. A tool without a fixture fails here, so none is left untested.
 */
describe('every tool', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const inputs = new Map<string, Record<string, unknown>>();
  beforeAll(async () => {
    const key = 'tools-test-key-0123456789abcdef0123456789';
    ({ core, cleanup } = await testCore('sqlite', { backup: { signing_key: key, encryption_key: key } }));
    for (const t of TOOLS) {
      const f = FIXTURES.get(t.name);
      if (f) inputs.set(t.name, await f.input(core));
    }
  });
  afterAll(async () => cleanup());

  it('has a fixture for each tool, beside it, and none for a tool that is not in TOOLS', () => {
    expect(TOOLS.map((t) => t.name).filter((n) => !FIXTURES.has(n))).toEqual([]);
    expect(FOUND.length).toBe(TOOLS.length);
    for (const { file, fixture, beside } of FOUND) {
      expect(TOOLS, file).toContain(fixture.tool);
      expect(Object.values(beside), `${file} is beside the file that defines ${fixture.tool.name}`).toContain(
        fixture.tool,
      );
    }
  });

  // tools that replace the whole state (restores) run after the rest
  const ordered = [...TOOLS].sort(
    (a, b) => Number(!!FIXTURES.get(a.name)?.last) - Number(!!FIXTURES.get(b.name)?.last),
  );
  describe.each(ordered.map((t) => [t.name, t] as [string, Tool]))('%s', (name, tool) => {
    const input = () => inputs.get(name)!;

    it('succeeds with valid input and returns output that matches its schema', async () => {
      const out = await invoke(tool, input(), { core, principal: admin });
      expect(tool.output.safeParse(out).success).toBe(true);
      const fx = FIXTURES.get(name)!;
      if (fx.matches) expect(out).toMatchObject(fx.matches);
      const broken = Object.entries(fx.holds ?? {}).filter(([, holds]) => !holds(out as never));
      expect(broken.map(([what]) => what)).toEqual([]);
    });

    it('refuses a misspelled key, naming it', async () => {
      const bad = { ...input(), definitely_not_a_key: 1 };
      await expect(invoke(tool, bad, { core, principal: admin })).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringContaining('definitely_not_a_key'),
      });
    });

    it.runIf(tool.role !== 'viewer')('refuses a caller whose role is too low', async () => {
      expect(roleAllows('viewer', tool.role)).toBe(false);
      await expect(invoke(tool, input(), { core, principal: viewer })).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining(`needs role ${tool.role}`),
      });
    });
  });
});
