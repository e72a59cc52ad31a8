import { dirname } from 'node:path';
import type { Db } from '../sql/db.js';
import { migrate, SCHEMA_VERSION } from '../sql/migrations.js';
import type { OnProgress, SafetyBackup } from './backups.js';
import { mergeLive } from './image-merge.js';
import { imageRows, unsealSecretCells } from './image-read.js';
import { removeDbFile } from './image-write.js';
import type { Manifest } from './manifest.js';
import { type RestoreOutcome, restoreInto } from './restore.js';
import { newSafetyImage } from './safety-image.js';
import { columnKey } from './secrets.js';

/**
 * Apply an image archive (format 3), already read into the database file `fresh` (every digest,
 * the signature and the end of the archive checked): its secret cells must all be sealed, it is
 * migrated to this build's schema, then
 * - into the embedded store: merged with the live file (image-merge.ts) and put in its place
 *   (DbFile.replace: a rename, or a copy when another process has the file open); the file it
 *   replaced is the safety backup, sealed after the swap;
 * - into PostgreSQL: its rows go through the restore of rows, in one transaction, after a safety
 *   backup of the live store.
 * Any failure before the swap (or the commit) leaves the live store as it was.
 */
export async function restoreImage(
  db: Db,
  o: {
    id: string;
    manifest: Manifest;
    encryptionKey: string;
    importKeys: boolean;
    fresh: string;
    settings: Map<string, Buffer>;
    /** A store on a database file. */
    open: (path: string) => Db;
    stage: { now: string };
    before?: () => Promise<void>;
    safety: ((image?: string) => Promise<SafetyBackup>) | undefined;
    signal?: AbortSignal;
    progress?: OnProgress;
  },
): Promise<RestoreOutcome & { safety?: SafetyBackup; warnings?: string[] }> {
  const m = o.manifest;
  const key = columnKey(o.encryptionKey, o.id);
  const img = db.file ? db.file.open(o.fresh) : o.open(o.fresh);
  let open = true;
  const close = async () => {
    if (open) await img.close();
    open = false;
  };
  const counted = {
    tables: m.tables.length,
    rows: m.tables.reduce((a, t) => a + t.rows, 0),
    settings: o.settings,
  };
  try {
    o.progress?.(0, 0, `restore ${o.id}: checking the restored database`);
    await unsealSecretCells(img, o.id, key);
    if (m.schema_version < SCHEMA_VERSION) await migrate(img);
    o.signal?.throwIfAborted();
    o.stage.now = 'failed';
    await o.before?.();
    const file = db.file;
    if (!file) {
      const safety = o.safety ? await o.safety() : undefined;
      o.signal?.throwIfAborted();
      const rows = imageRows(img, m, key);
      o.progress?.(0, 0, `restore ${o.id}: applying the rows`);
      const r = await restoreInto(db, rows.read, {
        id: o.id,
        manifest: rows.manifest,
        encryptionKey: o.encryptionKey,
        importKeys: o.importKeys,
      });
      return { ...r, settings: o.settings, ...(safety ? { safety } : {}) };
    }
    const keep = newSafetyImage(dirname(file.path));
    let merged: Awaited<ReturnType<typeof mergeLive>> | undefined;
    o.progress?.(0, 0, `restore ${o.id}: merging security state and history from the live store`);
    const how = await file.replace(o.fresh, keep, async () => {
      o.signal?.throwIfAborted();
      merged = await mergeLive(img, file.path, { id: o.id, importKeys: o.importKeys });
      await close();
      // the last point a cancel stops it (the swap that follows is the commit); the merge's SQL
      // runs without yielding, so let a cancel that came meanwhile arrive first
      await new Promise((r) => setTimeout(r, 0));
      o.signal?.throwIfAborted();
    });
    const warnings =
      how === 'copied'
        ? [
            'another process (a running server or worker?) had the database file open, so the restored state was ' +
              'copied into it rather than put in its place, which takes about twice as long; for the fast path, ' +
              'restore through the server (`mahavishnu --server URL backup restore`) or with it stopped',
          ]
        : [];
    const done = { ...counted, ...merged!, ...(warnings.length ? { warnings } : {}) };
    if (!o.safety) {
      await removeDbFile(keep);
      return done;
    }
    try {
      return { ...done, safety: await o.safety(keep) };
    } catch (e) {
      return {
        ...done,
        warnings: [
          ...warnings,
          `the safety backup could not be started (${(e as Error).message}); the database file the restore replaced ` +
            `is kept at ${keep}, and the next backup_create seals it`,
        ],
      };
    }
  } finally {
    await close().catch(() => {});
  }
}
