import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../src/core/core.js';
import { TERMINAL } from '../../src/core/workflows/runs.js';

/** Write workflow files (name → YAML text) into <dir>/workflows and return that folder. */
export function writeWorkflows(dir: string, files: Record<string, string>): string {
  const wf = join(dir, 'workflows');
  mkdirSync(wf, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(wf, `${name}.yaml`), text);
  return wf;
}

/** Count the steps of the store by state. */
export async function stepStates(core: Core): Promise<Record<string, number>> {
  const rows = await core.db.query<{ state: string; c: number }>(
    'SELECT state, COUNT(*) AS c FROM workflow_steps GROUP BY state',
  );
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.c)]));
}

/** Whether every run in the store has ended. */
export async function allRunsEnded(core: Core): Promise<boolean> {
  const rows = await core.db.query<{ state: string }>('SELECT state FROM workflow_runs');
  return rows.every((r) => TERMINAL.includes(r.state));
}
