import { afterAll, beforeAll, expect } from 'vitest';
import { MERGED_TABLES } from '../../src/core/backup/policy.js';
import { stateTables } from '../../src/core/backup/schema-info.js';
import type { Core } from '../../src/core/core.js';
import type { Db } from '../../src/core/sql/db.js';
import { toolByName } from '../../src/tools/index.js';
import { invoke } from '../../src/tools/invoke.js';
import { admin, testCore } from './core.js';
import { tempDir } from './tmp.js';

export const SIGNING_KEY = 'test-signing-key-0123456789abcdef0123456789';
export const ENCRYPTION_KEY = 'test-encryption-key-0123456789abcdef012345';
export const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----very-secret-material-----END PRIVATE KEY-----';

/** Backup settings for a test core keeping archives in `dir`. */
export const backupSettings = (dir: string, extra: Record<string, unknown> = {}) => ({
  backup: { signing_key: SIGNING_KEY, encryption_key: ENCRYPTION_KEY, dir, ...extra },
});

/**
 * Tables other helpers add (pools, runs…) stand in here so the round trip covers more than the
 * migrations' tables: bytes, big integers, NULLs, a foreign key. signing_keys (migration 30) holds
 * the secret column.
 */
export async function addTables(db: Db): Promise<void> {
  const blob = db.dialect === 'postgres' ? 'BYTEA' : 'BLOB';
  const names = (await stateTables(db)).map((t) => t.name);
  if (!names.includes('test_pools'))
    await db.exec(
      `CREATE TABLE test_pools (name TEXT PRIMARY KEY, size INTEGER NOT NULL, blob ${blob}, note TEXT)`,
    );
  if (!names.includes('test_runs'))
    await db.exec(
      'CREATE TABLE test_runs (pool TEXT NOT NULL REFERENCES test_pools(name), seq BIGINT NOT NULL, started_at BIGINT, PRIMARY KEY (pool, seq))',
    );
}

/** Users (through the tools, so the audit log grows), pools with runs, a key pair, kv rows. */
export async function seed(core: Core, tag = 'a'): Promise<void> {
  await addTables(core.db);
  for (const u of ['alice', 'bob'])
    await invoke(
      toolByName.get('auth_create_user')!,
      { username: `${u}.${tag}`, role: 'operator' },
      { core, principal: admin },
    );
  await core.db.query(
    'INSERT INTO signing_keys (kid, alg, public_key, private_key, created_at) VALUES ($1, $5, $2, $3, $4)',
    [`kid-${tag}`, 'public', PRIVATE_KEY, 1_700_000_000_000, 'EdDSA'],
  );
  for (let i = 0; i < 3; i++) {
    await core.db.query('INSERT INTO test_pools (name, size, blob, note) VALUES ($1, $2, $3, $4)', [
      `pool-${tag}-${i}`,
      i,
      i === 1 ? null : Buffer.from([0, 1, 2, 255, i]),
      i === 2 ? null : `ünïcødé ${'x'.repeat(i)} "quoted"\nline`,
    ]);
    for (let s = 0; s < 5; s++)
      await core.db.query('INSERT INTO test_runs (pool, seq, started_at) VALUES ($1, $2, $3)', [
        `pool-${tag}-${i}`,
        s,
        1_800_000_000_000 + s,
      ]);
  }
  await core.db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', [`k-${tag}`, 'v', 1]);
}

/** Change the state in every table so a restore has work to undo. */
let mutations = 0;
export async function mutate(core: Core): Promise<void> {
  await seed(core, `later${++mutations}`);
  await core.db.query('DELETE FROM test_runs WHERE seq = 0');
  await core.db.query("UPDATE test_pools SET size = 99 WHERE name = 'pool-a-0'");
  await core.db.query("DELETE FROM users WHERE username = 'bob.a'");
  await core.db.query("UPDATE kv SET value = 'changed'");
}

const norm = (v: unknown) =>
  v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? Number(v) : v;

/** Every state table's rows, in a store-independent form (for equality across SQLite and PostgreSQL). */
export async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of await stateTables(db)) {
    const rows = await db.query(`SELECT * FROM "${t.name}"`);
    out[t.name] = rows.map((r) => JSON.stringify(t.columns.map((c) => norm(r[c])))).sort();
  }
  return out;
}

/** A snapshot without the tables a restore merges (keys, users, audit log): what it replaces exactly. */
export const replacedOnly = (s: Record<string, unknown[]>) =>
  Object.fromEntries(Object.entries(s).filter(([t]) => !MERGED_TABLES.includes(t)));

/**
 * For the tests of one describe block: a core on a fresh embedded store, seeded, keeping its
 * archives in a temp folder (`extra`: more backup settings). Made before them, removed after.
 */
export function seededBackupCore(prefix: string, extra: Record<string, unknown> = {}) {
  const folder = tempDir(prefix);
  let core: Core | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(folder.path, extra)));
    await seed(core);
  });
  afterAll(async () => {
    await cleanup();
    folder.remove();
  });
  return {
    archives: folder.path,
    /** Once beforeAll has run. */
    get core(): Core {
      return core!;
    },
  };
}

/**
 * The restore of `id` is refused with `reason` (code invalid_input); the state and the list of
 * backups stay as they were. Returns how long the refusal took, in ms.
 */
export async function refusedRestore(core: Core, id: string, reason: RegExp | string): Promise<number> {
  const before = await snapshot(core.db);
  const count = (await core.backups.list()).length;
  const started = performance.now();
  const err = await core.backups.restore(id).then(
    () => undefined,
    (e: Error & { code?: string }) => e,
  );
  const ms = performance.now() - started;
  expect(err, 'the restore must be refused').toBeDefined();
  expect(err!.code).toBe('invalid_input');
  expect(err!.message).toMatch(/refused/);
  expect(err!.message).toMatch(reason);
  expect(await snapshot(core.db)).toEqual(before);
  expect((await core.backups.list()).length).toBe(count);
  return ms;
}
