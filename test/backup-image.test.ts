import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { SCHEMA_VERSION } from '../src/core/sql/migrations.js';
import { readEntries, rewriteImage } from './helpers/archive.js';
import {
  backupSettings,
  ENCRYPTION_KEY,
  mutate,
  replacedOnly,
  SIGNING_KEY,
  seed,
  snapshot,
} from './helpers/backup.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';

/**
 * The embedded store is backed up as its database file (format 3) and restored by putting a
 * merged copy in its place: renamed when this process is alone on the file, copied in (which
 * other connections see) when another one has it open.
 */
describe('backups of the embedded store as its database file', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const archives = tempDir('mahavishnu-image-');
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(archives.path)));
    await seed(core);
  });
  afterAll(async () => {
    await cleanup();
    archives.remove();
  });
  const path = () => core.db.file!.path;

  it('writes the database file in sealed image entries after the signed manifest', async () => {
    const b = await core.backups.create({ type: 'full' });
    const entries = await readEntries(b.location);
    expect(entries.map((e) => e.header.name).slice(0, 3)).toEqual([
      'manifest.json',
      'manifest.sig',
      'image/000000',
    ]);
    const m = JSON.parse(entries[0]!.data.toString());
    expect(m).toMatchObject({ format_version: 3, source_dialect: 'sqlite' });
    expect(m.image.bytes).toBeGreaterThan(0);
    // the rows of each table are counted in the snapshot
    expect(m.tables.find((t: { name: string }) => t.name === 'test_runs').rows).toBe(15);
  });

  it('copies the restored state in when another connection has the file open, and that connection sees it', async () => {
    const b = await core.backups.create({ type: 'full' });
    const before = await snapshot(core.db);
    await mutate(core);
    const other = new Database(path());
    try {
      const pools = () => other.prepare('SELECT COUNT(*) AS n FROM test_pools').get() as { n: number };
      expect(pools().n).toBeGreaterThan(3);
      const r = await core.backups.restore(b.id, { safety: true });
      await r.safety!.sealed!;
      // the slower path, said so, with how to take the fast one
      expect(r.warnings).toEqual([
        expect.stringContaining('another process (a running server or worker?) had the database file open'),
      ]);
      expect(replacedOnly(await snapshot(core.db))).toEqual(replacedOnly(before));
      expect(pools().n).toBe(3);
      // still one database: a write through either connection is seen by the other
      other.prepare("INSERT INTO kv (key, value, updated_at) VALUES ('from-other', 'x', 1)").run();
      expect(await core.db.query("SELECT key FROM kv WHERE key = 'from-other'")).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  it('renames the restored file into place when alone on it; the replaced file becomes the safety backup', async () => {
    const b = await core.backups.create({ type: 'full' });
    const before = await snapshot(core.db);
    await mutate(core);
    const changed = await snapshot(core.db);
    const r = await core.backups.restore(b.id, { safety: true });
    expect(r.warnings).toBeUndefined();
    expect(replacedOnly(await snapshot(core.db))).toEqual(replacedOnly(before));
    const safety = await r.safety!.sealed!;
    expect(safety.type).toBe('safety');
    expect(readdirSync(dirname(path())).filter((f) => f.startsWith('.'))).toEqual([]);
    // the safety backup holds the state the restore replaced
    await core.backups.restore(safety.id);
    expect(replacedOnly(await snapshot(core.db))).toEqual(replacedOnly(changed));
  });

  it('an image from an older schema is migrated to this build before it goes live', async () => {
    const b = await core.backups.create({ type: 'full' });
    const before = await snapshot(core.db);
    const keys = { signing: SIGNING_KEY, encryption: ENCRYPTION_KEY };
    // what a build at schema 33 wrote: no issued_tokens (34), no tool_tasks (40)
    await rewriteImage(b.location, keys, join(archives.path, 'older.db'), (db, m) => {
      db.exec(
        'DROP TABLE issued_tokens; DROP TABLE tool_tasks; DELETE FROM schema_migrations WHERE version > 33',
      );
      m.schema_version = 33;
      m.tables = (m.tables as { name: string }[]).filter((t) => t.name !== 'issued_tokens');
    });
    await mutate(core);
    await core.backups.restore(b.id);
    expect(replacedOnly(await snapshot(core.db))).toEqual(replacedOnly(before));
    const versions = await core.db.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
    expect(Number(versions[0]?.v)).toBe(SCHEMA_VERSION);
    expect(await core.db.query('SELECT COUNT(*) AS n FROM tool_tasks')).toHaveLength(1);
  });

  it('a safety image left by a process that ended before sealing it is sealed by the next backup', async () => {
    const dead = spawnSync('true').pid!;
    const left = join(dirname(path()), `.safety-${Date.now()}-${dead}.db`);
    await core.db.file!.snapshot(left);
    const had = (await core.backups.list()).filter((b) => b.type === 'safety').length;
    await core.backups.create({ type: 'full' });
    expect(existsSync(left)).toBe(false);
    expect((await core.backups.list()).filter((b) => b.type === 'safety')).toHaveLength(had + 1);
    // one a crash cut short cannot be sealed: it is set aside, and backups go on
    const broken = join(dirname(path()), `.safety-${Date.now()}-${dead}.db`);
    writeFileSync(broken, 'SQLite format 3\0 cut short');
    await core.backups.create({ type: 'full' });
    expect(readdirSync(dirname(path())).filter((f) => f.endsWith('.unsealed'))).toHaveLength(1);
    await core.backups.create({ type: 'full' });
  });
});
