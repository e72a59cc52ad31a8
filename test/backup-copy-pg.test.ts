import { spawn } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import type { Db, Param } from '../src/core/sql/db.js';
import { backupSettings, ENCRYPTION_KEY, SIGNING_KEY } from './helpers/backup.js';
import { BIN, childEnv } from './helpers/cli.js';
import { type StoreKind, testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const shared = tempDir('mahavishnu-copy-');
afterAll(() => shared.remove());

/** Text COPY's format escapes or could mistake for its markers, and JSON of every shape. */
const TEXTS = [
  '',
  '\t',
  'a\tb\nc\rd\r\n',
  '\\',
  '\\N',
  '\\.',
  'ends with \\',
  '\\x41 is not bytes',
  'ünïcødé 漢字 🎉 e\u0301',
  JSON.stringify({
    nested: { tab: '\t', nl: '\n', bs: '\\', q: '"', u: '\u2028' },
    list: [1, 2.5, null, true],
  }),
  JSON.stringify({ big: Array.from({ length: 30_000 }, (_, i) => ({ i, v: `v${i}\t\n\\` })) }),
];

async function addTrickyTable(db: Db): Promise<void> {
  const blob = db.dialect === 'postgres' ? 'BYTEA' : 'BLOB';
  const real = db.dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  await db.exec(
    `CREATE TABLE IF NOT EXISTS test_tricky (id INTEGER PRIMARY KEY, txt TEXT, doc TEXT, raw ${blob}, at BIGINT, ratio ${real})`,
  );
}

async function seedTricky(db: Db): Promise<void> {
  await addTrickyTable(db);
  const raws = [
    Buffer.alloc(0),
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.from('\\N\t\n'),
  ];
  for (let i = 0; i < TEXTS.length + 2; i++)
    await db.query('INSERT INTO test_tricky (id, txt, doc, raw, at, ratio) VALUES ($1, $2, $3, $4, $5, $6)', [
      i,
      i === TEXTS.length ? null : (TEXTS[i] ?? ''),
      i % 2 ? TEXTS[TEXTS.length - 1 - (i % TEXTS.length)]! : null,
      i < raws.length ? raws[i]! : i % 3 ? null : Buffer.from(TEXTS[i % TEXTS.length]!),
      i % 4 ? 1_800_000_000_000 + i : null,
      [0.1, -2.5e-300, 1 / 3, null, 2 ** 53 - 1][i % 5] ?? null,
    ] as Param[]);
  for (const [i, v] of TEXTS.entries())
    await db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', [`tricky\t${i}\\N`, v, i]);
}

const norm = (v: unknown) =>
  v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? Number(v) : v;
/** The rows of a table in key order, cells normalized (bytes as hex, integers as numbers). */
const rowsOf = async (db: Db, table: string, key: string) =>
  (await db.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${key}`)).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])),
  );

describe.each(['postgres', 'sqlite'] as StoreKind[])(
  'backup from %s, restore into PostgreSQL by COPY',
  (from) => {
    it('round-trips tabs, newlines, backslashes, \\N as text, NULL vs empty, unicode, bytes, big JSON, row by row', async () => {
      const src = await testCore(from, backupSettings(shared.path));
      const dst = from === 'postgres' ? src : await testCore('postgres', backupSettings(shared.path));
      try {
        await seedTricky(src.core.db);
        const before = {
          tricky: await rowsOf(src.core.db, 'test_tricky', 'id'),
          kv: await rowsOf(src.core.db, 'kv', 'key'),
        };
        const b = await src.core.backups.create({ type: 'full' });
        if (dst === src) {
          await src.core.db.query("UPDATE test_tricky SET txt = 'changed', raw = NULL");
          await src.core.db.query('DELETE FROM kv WHERE updated_at > 3');
        } else await addTrickyTable(dst.core.db);
        await dst.core.backups.restore(b.id, { allowOtherInstallation: dst !== src });
        const after = {
          tricky: await rowsOf(dst.core.db, 'test_tricky', 'id'),
          kv: await rowsOf(dst.core.db, 'kv', 'key'),
        };
        expect(after.tricky).toHaveLength(before.tricky.length);
        for (const [i, row] of before.tricky.entries())
          expect(after.tricky[i], `test_tricky row ${i}`).toEqual(row);
        expect(after.kv).toEqual(before.kv);
        // NULL stayed NULL and '' stayed '' (the two COPY tells apart by \N)
        expect(after.tricky.filter((r) => r.txt === null).map((r) => r.id)).toEqual([TEXTS.length]);
        expect(after.tricky[0]?.txt).toBe('');
      } finally {
        if (dst !== src) await dst.cleanup();
        await src.cleanup();
      }
    });
  },
);

/**
 * A restore is all or nothing on PostgreSQL too while it COPYs: cancelled (the call's signal) or
 * killed (the process doing it) in the middle of a big table, the store is as it was and no
 * session is left in a transaction; a restore after the cancel works.
 */
describe('a restore interrupted during the COPY of a big table', { timeout: 180_000 }, () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let dir = '';
  let admin: postgres.Sql;
  let id = '';
  const ROWS = 150_000;
  const fingerprint = async () =>
    (
      await core.db.query<{ n: number; sum: string }>(
        "SELECT count(*)::int AS n, md5(string_agg(key || '=' || value || '@' || updated_at, ',' ORDER BY key)) AS sum FROM kv",
      )
    )[0];
  const copying = async () =>
    (
      await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query ILIKE 'COPY "kv"%'`
    )[0]?.pid;
  const leftInTransaction = async () =>
    (
      await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND (state LIKE 'idle in transaction%' OR query ILIKE 'COPY%' AND state = 'active')`
    )[0]?.n;

  beforeAll(async () => {
    ({ core, cleanup, dir } = await testCore('postgres', backupSettings(shared.path)));
    admin = postgres(core.config.database.url!, { max: 1, onnotice: () => {} });
    const value = 'x'.repeat(400);
    await core.db.tx(async (t) => {
      const load = t.copyIn!('kv', ['key', 'value', 'updated_at']);
      for (let i = 0; i < ROWS; i += 5000)
        await load.write(
          Array.from({ length: 5000 }, (_, j) => [`key-${i + j}`, `${value}\t${i + j}`, i + j]),
        );
      await load.end();
    });
    id = (await core.backups.create({ type: 'full' })).id;
    // after the backup: what a restore would undo
    await core.db.query("UPDATE kv SET value = 'changed after the backup' WHERE key = 'key-7'");
    await core.db.query("INSERT INTO kv (key, value, updated_at) VALUES ('later', 'v', 1)");
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await cleanup?.();
  });

  it('cancelled: the call ends within a second, the table is unchanged, no session is left', async () => {
    const live = await fingerprint();
    const ac = new AbortController();
    const restore = core.backups.restore(id, { signal: ac.signal });
    restore.catch(() => {});
    await waitFor('a COPY into kv', copying, 60_000, 5);
    const t = performance.now();
    ac.abort();
    await expect(restore).rejects.toThrow(/cancelled/);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(await fingerprint()).toEqual(live);
    expect(await leftInTransaction()).toBe(0);
  });

  it('then a restore runs to the end and brings back the backup’s rows', async () => {
    await core.backups.restore(id);
    const after = await fingerprint();
    expect(after?.n).toBe(ROWS);
    expect(
      (await core.db.query<{ value: string }>("SELECT value FROM kv WHERE key = 'key-7'"))[0]?.value,
    ).toBe(`${'x'.repeat(400)}\t7`);
  });

  it('a `backup restore` process killed (SIGKILL) mid-COPY: the table is unchanged, the server ends its session', async () => {
    await core.db.query("UPDATE kv SET value = 'changed again' WHERE key = 'key-8'");
    const live = await fingerprint();
    const child = spawn(process.execPath, [BIN, 'backup', 'restore', id, '--yes', '--json'], {
      env: childEnv(dir, {
        MAHAVISHNU_DATABASE__URL: core.config.database.url!,
        MAHAVISHNU_BACKUP__DIR: shared.path,
        MAHAVISHNU_BACKUP__SIGNING_KEY: SIGNING_KEY,
        MAHAVISHNU_BACKUP__ENCRYPTION_KEY: ENCRYPTION_KEY,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stderr += d));
    let gone = false;
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.on('exit', (_c, sig) => {
        gone = true;
        r(sig);
      }),
    );
    await waitFor(
      'a COPY into kv by the child',
      async () => {
        if (gone) throw new Error(`the child exited before its COPY: ${stderr}`);
        return copying();
      },
      60_000,
      5,
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await waitFor('the server to end the session', async () => (await leftInTransaction()) === 0, 10_000);
    expect(await fingerprint()).toEqual(live);
  });
});
