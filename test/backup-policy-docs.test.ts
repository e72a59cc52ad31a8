import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyOf } from '../src/core/backup/policy.js';
import { NOT_STATE } from '../src/core/backup/schema-info.js';
import type { Core } from '../src/core/core.js';
import { backupCreate } from '../src/tools/backup/create.js';
import { backupRestore } from '../src/tools/backup/restore.js';
import { invoke } from '../src/tools/invoke.js';
import { backupSettings } from './helpers/backup.js';
import { admin, testCore } from './helpers/core.js';
import { done } from './helpers/results.js';
import { tempDir } from './helpers/tmp.js';

/** The rows of docs/backup.md's "What a restore replaces and what it merges" table: table → policy. */
function documented(): Map<string, string> {
  const text = readFileSync(new URL('../docs/backup.md', import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('### What a restore replaces and what it merges'));
  const out = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    for (const m of cells[1].matchAll(/`([a-z_]+)`/g)) out.set(m[1]!, cells[2]!);
  }
  return out;
}

/**
 * Every table a migrated store holds has a restore rule, and docs/backup.md states it: a table
 * added by a migration without a row there fails here, so nobody learns its rule from a restore.
 */
describe('restore rules of every table', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const t = tempDir();
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(t.path)));
  });
  afterAll(async () => {
    await cleanup();
    t.remove();
  });

  it('docs/backup.md has a row for each table, with the policy policy.ts applies', async () => {
    const tables = (
      await core.db.query<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
    ).map((r) => r.name);
    const docs = documented();
    const missing = tables.filter((t) => !docs.has(t));
    expect(missing, 'tables without a row in docs/backup.md').toEqual([]);
    for (const t of tables) expect(docs.get(t), t).toBe(NOT_STATE.has(t) ? 'not state' : policyOf(t));
  });

  it('a restore keeps live slot leases: pool_slots is never rolled back', async () => {
    await core.db.query(
      "INSERT INTO pool_slots (pool_id, slot, owner, lease_expires) VALUES ('p1', 0, 'host-of-the-past', 1)",
    );
    const id = done(await invoke(backupCreate, { type: 'full' }, { core, principal: admin })).id;
    await core.db.query("UPDATE pool_slots SET owner = 'host-now', lease_expires = $1", [
      Date.now() + 60_000,
    ]);
    await core.db.query(
      "INSERT INTO pool_slots (pool_id, slot, owner, lease_expires) VALUES ('p1', 1, 'host-now', 2)",
    );
    const r = done(await invoke(backupRestore, { backup_id: id }, { core, principal: admin }));
    expect(r.replaced).not.toContain('pool_slots');
    expect(r.merged.map((m) => m.table)).toContain('pool_slots');
    const rows = await core.db.query<{ owner: string }>('SELECT owner FROM pool_slots ORDER BY slot');
    expect(rows.map((x) => x.owner)).toEqual(['host-now', 'host-now']);
  });
});
