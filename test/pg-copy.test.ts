import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Param } from '../src/core/sql/db.js';
import { PostgresDb } from '../src/infra/sql/postgres.js';
import { freshDatabase } from './helpers/pg.js';

/** Every byte value, and text that COPY's format must escape or that looks like its markers. */
const TRICKY: string[] = [
  '',
  ' ',
  '\t',
  'a\tb',
  'line\nbreak',
  'cr\rlf\r\n',
  '\\',
  '\\\\',
  '\\N',
  'N',
  '\\.',
  '.',
  'ends with \\',
  '\\t is not a tab',
  '\\x00ff',
  'ünïcødé 漢字 🎉 e\u0301',
  '"quoted" \'single\' ,;|',
  `{"a":"x\\ty","b":[1,2,{"c":"\\n\\\\"}],"s":"\\u0000"}`,
];
const BYTES = [
  Buffer.alloc(0),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('\\N\t\n', 'latin1'),
];
const NUMBERS = [0, -1, 1, 2 ** 53 - 1, -(2 ** 53 - 1), 1_800_000_000_123];
const FLOATS = [0.1, -2.5e-300, 1.7976931348623157e308, 5e-324, 1 / 3];

describe('Db.copyIn on PostgreSQL (COPY … FROM STDIN in a transaction)', () => {
  let db: PostgresDb;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const pg = await freshDatabase();
    drop = pg.drop;
    db = PostgresDb.open(pg.url, { max: 2 });
    await db.exec(`
      CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, b BYTEA, n BIGINT, f DOUBLE PRECISION);
      CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id));`);
  });
  afterAll(async () => {
    await db.close(0);
    await drop();
  });

  const load = async (rows: Param[][], batch = rows.length || 1) =>
    db.tx(async (t) => {
      const l = t.copyIn!('t', ['id', 's', 'b', 'n', 'f']);
      for (let i = 0; i < rows.length; i += batch) await l.write(rows.slice(i, i + batch));
      await l.end();
    });
  const all = () => db.query<Record<string, unknown>>('SELECT * FROM t ORDER BY id');
  const idle = async () =>
    db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    );

  it('round-trips text that needs escaping, NULL vs empty, bytes, big integers, floats, big JSON', async () => {
    const big = JSON.stringify({
      doc: Array.from({ length: 20_000 }, (_, i) => ({ i, s: TRICKY[i % TRICKY.length] })),
    });
    const texts = [...TRICKY, big, null];
    const rows: Param[][] = texts.map((s, i) => [
      i,
      s,
      i < BYTES.length ? BYTES[i]! : i === BYTES.length ? null : Buffer.from(String(s ?? ''), 'utf8'),
      i < NUMBERS.length ? NUMBERS[i]! : i === NUMBERS.length ? null : BigInt(i) * 1_000_000_007n,
      i < FLOATS.length ? FLOATS[i]! : null,
    ]);
    await db.exec('DELETE FROM t');
    await load(rows, 3);
    const got = await all();
    expect(got).toHaveLength(rows.length);
    for (const [i, r] of rows.entries()) {
      const g = got[i]!;
      expect(g.id).toBe(i);
      expect(g.s, `text ${JSON.stringify(r[1])}`).toBe(r[1]);
      expect(g.b === null ? null : Buffer.from(g.b as Uint8Array).toString('hex')).toBe(
        r[2] === null ? null : Buffer.from(r[2] as Uint8Array).toString('hex'),
      );
      expect(g.n).toBe(r[3] === null ? null : Number(r[3]));
      expect(g.f).toBe(r[4]);
    }
    // '' stays text, NULL stays NULL, '\N' stays those two characters
    expect(got.filter((g) => g.s === null).map((g) => g.id)).toEqual([texts.length - 1]);
    expect(got.find((g) => g.s === '')?.id).toBe(0);
  });

  it('a key twice in the last rows: end rejects with the store’s reason, nothing stays, the connection goes on', async () => {
    await db.exec('DELETE FROM t');
    const rows: Param[][] = [
      [1, 'a', null, 1, null],
      [1, 'b', null, 2, null],
    ];
    await expect(load(rows)).rejects.toThrow(/same key already exists/);
    expect(await all()).toEqual([]);
    expect((await idle())[0]?.n).toBe(0);
    await load([[2, 'ok', null, 3, null]]);
    expect((await all()).map((r) => r.s)).toEqual(['ok']);
  });

  it('a missing parent row (checked as the COPY ends) rejects, and rolls back the rows before it', async () => {
    await expect(
      db.tx(async (t: Db) => {
        await t.query('INSERT INTO parent (id) VALUES (1)');
        const l = t.copyIn!('child', ['id', 'parent']);
        await l.write([
          [1, 1],
          [2, 99],
        ]);
        await l.end();
      }),
    ).rejects.toThrow(/foreign key/);
    expect(await db.query('SELECT * FROM parent')).toEqual([]);
    expect(await db.query('SELECT * FROM child')).toEqual([]);
  });

  it('a value of the wrong type mid-stream rejects the next write or the end', async () => {
    const rows: Param[][] = Array.from({ length: 50_000 }, (_, i) => [i, 'x'.repeat(50), null, i, null]);
    rows[10] = [10, 'x', null, 'not a number', null];
    await db.exec('DELETE FROM t');
    await expect(load(rows, 1000)).rejects.toThrow(/invalid input syntax for type bigint/);
    expect(await all()).toEqual([]);
  });

  it('abort mid-way: CopyFail, nothing loaded, the transaction rolls back and the connection is reused', async () => {
    await db.exec('DELETE FROM t');
    await expect(
      db.tx(async (t) => {
        await t.query("INSERT INTO t (id, s) VALUES (-1, 'before the copy')");
        const l = t.copyIn!('t', ['id', 's', 'b', 'n', 'f']);
        await l.write(Array.from({ length: 10_000 }, (_, i) => [i, 'row', null, i, null]));
        const why = new Error('cancelled by the test');
        await l.abort(why);
        await expect(l.write([[20_000, 'late', null, 0, null]])).rejects.toThrow(why.message);
        throw why;
      }),
    ).rejects.toThrow(/cancelled by the test/);
    expect(await all()).toEqual([]);
    expect((await idle())[0]?.n).toBe(0);
  });

  it('refuses bytes for a column that is not bytea (COPY would store their hex as text)', async () => {
    await db.exec('DELETE FROM t');
    await expect(load([[1, Buffer.from('hi') as Param, null, 1, null]])).rejects.toThrow(
      /t\.s is not a bytea column/,
    );
    expect(await all()).toEqual([]);
  });
});
