import { open } from 'node:fs/promises';
import type { Db } from '../sql/db.js';
import { ImageOpener } from './image-workers.js';
import type { Manifest } from './manifest.js';
import { pages } from './pages.js';
import type { EntrySink } from './read.js';
import { quote, stateTables } from './schema-info.js';
import { checkCell, isSealedCell, isSecret, openCell, secretInClear } from './secrets.js';
import { rowEncoder } from './values.js';

/**
 * The sink that writes an image archive's entries (format 3) into a new database file as a
 * read streams them, each at its offset, after its digest matched and it decrypted (read.ts):
 * worker threads inflate and write them (image-open.ts). The file is created at the first image
 * entry; an archive of rows never creates it.
 */
export function imageWriter(dest: string) {
  let opener: Promise<ImageOpener> | undefined;
  let offsets: Map<string, number> | undefined;
  const create = async () => {
    await (await open(dest, 'wx', 0o600)).close();
    return new ImageOpener(dest);
  };
  return {
    /** Whether the archive had image entries (and the file was created). */
    get written() {
      return opener !== undefined;
    },
    sink(name: string, m: Manifest): EntrySink | undefined {
      if (!name.startsWith('image/')) return undefined;
      if (!offsets) {
        offsets = new Map();
        let at = 0;
        for (const e of m.entries)
          if (e.name.startsWith('image/')) {
            offsets.set(e.name, at);
            at += e.plain_size;
          }
      }
      const at = offsets.get(name) ?? 0;
      return {
        takeDeflated: async (packed, size) => {
          opener ??= create();
          return (await opener).open(packed, size, at);
        },
        write: () => {
          throw new Error('an image entry is inflated by the image writer itself (takeDeflated)');
        },
        end: () => {},
      };
    },
    /** Every write done, the file closed. */
    async close() {
      const o = opener && (await opener.catch(() => undefined));
      await o?.close();
    },
  };
}

type SealedCell = { table: string; column: string; rowid: number; cell: string };

/**
 * A backup never writes a secret cell in clear: every one must be sealed (secrets.ts), else the
 * archive is a forgery and is refused. Yields the sealed cells, still sealed.
 */
async function* sealedCells(img: Db, id: string): AsyncGenerator<SealedCell> {
  for (const ti of await stateTables(img))
    for (const c of ti.columns.filter((c) => isSecret(ti.name, c))) {
      const rows = await img.query<{ r: number; v: unknown }>(
        `SELECT rowid AS r, ${quote(c)} AS v FROM ${quote(ti.name)} WHERE ${quote(c)} IS NOT NULL`,
      );
      for (const { r, v } of rows) {
        if (!isSealedCell(v)) throw secretInClear(`${ti.name}.${c}`, id);
        yield { table: ti.name, column: c, rowid: r, cell: v };
      }
    }
}

/** Every secret cell checked (sealed), then opened in place, for the keys a restore imports. */
export async function unsealSecretCells(img: Db, id: string, key: Buffer): Promise<void> {
  const open: { table: string; column: string; rowid: number; value: string | Buffer }[] = [];
  for await (const s of sealedCells(img, id))
    open.push({ ...s, value: openCell(key, `${s.table}.${s.column}`, s.cell) });
  await img.tx(async (t) => {
    for (const o of open)
      await t.query(`UPDATE ${quote(o.table)} SET ${quote(o.column)} = $1 WHERE rowid = $2`, [
        o.value,
        o.rowid,
      ]);
  });
}

/**
 * What unsealSecretCells checks, for a verify: every secret cell sealed and opening with the key
 * (as a restore would open it); each plaintext is wiped as soon as it opened, the image unchanged.
 */
export async function checkSecretCells(img: Db, id: string, key: Buffer): Promise<void> {
  for await (const s of sealedCells(img, id)) checkCell(key, `${s.table}.${s.column}`, s.cell);
}

/**
 * An image's state as the entries of a restore of rows (restoreInto), one per table, for a store
 * that cannot take the file itself (PostgreSQL): the image's rows in JSON lines, secret cells
 * sealed as a dump seals them. Returns the manifest naming those entries, and the read.
 */
export function imageRows(img: Db, m: Manifest, cellKey: Buffer) {
  const entry = (table: string) => `tables/${table}/000000.jsonl`;
  const manifest: Manifest = { ...m, tables: m.tables.map((t) => ({ ...t, entries: [entry(t.name)] })) };
  const read = async (sink: (name: string) => EntrySink | undefined) => {
    const infos = await stateTables(img);
    for (const tm of manifest.tables) {
      const ti = infos.find((t) => t.name === tm.name);
      const s = sink(entry(tm.name));
      if (!ti || !s) continue;
      const encode = rowEncoder(tm.name, tm.columns, cellKey);
      for await (const page of pages(img, ti, { limit: 1000 }))
        await s.write(Buffer.from(`${JSON.stringify(page.map(encode))}\n`));
      await s.end();
    }
  };
  return { manifest, read };
}
