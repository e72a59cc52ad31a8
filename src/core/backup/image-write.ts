import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db, DbFile } from '../sql/db.js';
import { ImageDeflater } from './image-workers.js';
import type { Manifest } from './manifest.js';
import { quote, stateTables } from './schema-info.js';
import { columnKey, isSealedCell, isSecret, sealCell } from './secrets.js';
import type { PutDeflated, PutEntry } from './write.js';

/** Remove a database file with the -wal and -shm a connection may have left beside it. */
export async function removeDbFile(path: string): Promise<void> {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) await rm(f, { force: true }).catch(() => {});
}

/** The database file travels in entries of this size, each deflated and sealed on its own (in parallel). */
export const IMAGE_CHUNK = 8 << 20;
/**
 * Deflate level of the image entries. Measured on a 224 MB store (docs/backup.md): 1 and 2 take
 * the same time and 2 is 2 % smaller; 6 is twice as slow for a third less. The goal is MB/s.
 */
export const IMAGE_LEVEL = 2;

/**
 * The state as the database file (format 3): a snapshot of the store (VACUUM INTO on a
 * connection of its own, in a worker thread: writers go on, the event loop stays free), or an
 * image given as it is (the safety backup of a restore: the file it replaced). Its secret cells
 * are sealed in place first, so an archive never holds one in clear even once opened; then the
 * file is cut into IMAGE_CHUNK entries that seal several at once.
 */
export const imageContent =
  (
    file: DbFile,
    o: {
      id: string;
      encryptionKey: string;
      spoolDir: string;
      /** An image to seal instead of a snapshot; it is changed (its secret cells sealed) and kept. */
      image?: string;
      progress?: (done: number, total: number) => void;
      /** Called as the snapshot starts. */
      started?: () => void;
      /** Worker threads deflating pieces (default: as many as cores, at least two). */
      threads?: number;
    },
  ) =>
  async (
    _put: PutEntry,
    signal: AbortSignal,
    putDeflated: PutDeflated,
  ): Promise<Pick<Manifest, 'tables' | 'image'>> => {
    const path = o.image ?? join(o.spoolDir, `.${o.id}.image-${process.pid}`);
    try {
      o.started?.();
      const counts = o.image ? await file.count(path, signal) : await file.snapshot(path, signal);
      signal.throwIfAborted();
      const tables = await sealSecretCells(file.open(path), columnKey(o.encryptionKey, o.id), counts);
      const size = (await stat(path)).size;
      // read and deflated by worker threads: the event loop seals (AES-GCM) and spools what they return
      const workers = new ImageDeflater(path, o.threads);
      try {
        for (let n = 0, at = 0; at < size; n++, at += IMAGE_CHUNK) {
          const len = Math.min(IMAGE_CHUNK, size - at);
          await putDeflated(
            `image/${String(n).padStart(6, '0')}`,
            workers.deflate(at, len, IMAGE_LEVEL),
            len,
          );
          o.progress?.(at + len, size);
        }
      } finally {
        await workers.close();
      }
      return { tables, image: { bytes: size, chunk_bytes: IMAGE_CHUNK } };
    } finally {
      if (!o.image) await removeDbFile(path);
    }
  };

/**
 * Seal every secret cell of an image (secrets.ts) with secure_delete on, so the plaintext does not
 * linger in the file's free space either; cells already sealed stay (an image sealed again after
 * a crash). Returns the state tables with their row counts.
 */
async function sealSecretCells(
  db: Db,
  key: Buffer,
  counts: Record<string, number>,
): Promise<Manifest['tables']> {
  try {
    await db.exec('PRAGMA secure_delete = ON');
    const tables = await stateTables(db);
    for (const ti of tables)
      for (const c of ti.columns.filter((c) => isSecret(ti.name, c))) {
        const rows = await db.query<{ r: number; v: string | Uint8Array }>(
          `SELECT rowid AS r, ${quote(c)} AS v FROM ${quote(ti.name)} WHERE ${quote(c)} IS NOT NULL`,
        );
        await db.tx(async (t) => {
          for (const { r, v } of rows)
            if (!isSealedCell(v))
              await t.query(`UPDATE ${quote(ti.name)} SET ${quote(c)} = $1 WHERE rowid = $2`, [
                sealCell(key, `${ti.name}.${c}`, v),
                r,
              ]);
        });
      }
    return tables.map((ti) => ({
      name: ti.name,
      columns: ti.columns,
      rows: counts[ti.name] ?? 0,
      entries: [],
    }));
  } finally {
    await db.close();
  }
}
