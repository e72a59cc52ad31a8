import type { Core } from '../../src/core/core.js';
import type { Tool } from '../../src/tools/define.js';

/**
 * How src/tools/tools.test.ts calls one tool for real. A fixture sits beside its tool
 * (pool/spawn.ts → pool/spawn.fixture.ts), is plain data and functions (no test framework: the
 * test does the asserting) and is left out of the build like *.test.ts.
 */
export interface ToolFixture {
  tool: Tool;
  /** Prepares the state the call needs and returns an input that must succeed for an admin. */
  input: (core: Core) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** A subset the result must contain (compared like toMatchObject). */
  matches?: Record<string, unknown>;
  /** Further properties of the result, by name; each must return true. */
  holds?: Record<string, (out: never) => boolean>;
  /** Runs after every other tool (it replaces the whole state, e.g. a restore). */
  last?: boolean;
}

/** A pool with no workers (min 0), made once; fixtures that need the same pool share it. */
export async function pool(core: Core, name: string, min = 0, max = 4): Promise<void> {
  if ((await core.pools.store.list(true)).some((p) => p.name === name)) return;
  await core.pools.store.create({ name, type: 'mahavishnu', min, max, autoscale: false });
}

/** A full backup (tools.test.ts sets the signing and encryption keys); returns its id. */
export const backup = async (core: Core): Promise<string> => (await core.backups.create({ type: 'full' })).id;

/** A run of the bundled `hello` workflow, left queued (its pool has no workers); returns its id. */
export async function queuedRun(core: Core): Promise<string> {
  await pool(core, 'default');
  return (await core.workflows.run({ name: 'hello', params: {}, timeout_ms: 1000, retries: 0 }, 'fx')).id;
}
