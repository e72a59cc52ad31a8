import { rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import type { Db } from '../sql/db.js';
import { SCHEMA_VERSION } from '../sql/migrations.js';
import type { Backups, BackupsDeps, OnProgress } from './backups.js';
import type { BlobStore } from './blob.js';
import { removeDbFile } from './image-write.js';
import { installationId } from './installation.js';
import { IMAGE_FORMAT, type Manifest } from './manifest.js';
import { type ArchiveFacts, computePlan, type RestorePlan } from './plan.js';
import type { EntrySink } from './read.js';
import { incompatibility, lineSink, type RestoreOutcome, restoreInto } from './restore.js';
import { ownedBy } from './safety-image.js';
import { stateTables } from './schema-info.js';
import type { BackupCreated } from './schemas.js';

/**
 * A restore's safety backup: its id and place, and the archive once sealed here, or the pid of
 * the process sealing it (a hand-off: the CLI, see sealElsewhere).
 */
export interface SafetyBackup {
  id: string;
  location: string;
  /** Why it went to the local folder instead of the configured bucket. */
  fallback?: string;
  sealed?: Promise<BackupCreated>;
  sealer?: number;
}

/** A process started to seal a safety backup (src/cli/seal.ts), waiting for its job. */
export interface Sealer {
  pid: number;
  /** Give it its job: the claimed id and the database file, named after its pid by now. */
  start(job: { id: string; image: string }): Promise<void>;
  /** It never got its job: end it. */
  kill(): void;
}
export type SpawnSealer = () => Sealer;

/** A settings entry of an archive, kept for the operator to compare (extract.ts). */
function settingsSink(name: string, into: Map<string, Buffer>): EntrySink | undefined {
  if (!name.startsWith('settings/')) return undefined;
  const parts: Buffer[] = [];
  return {
    write: (c) => void parts.push(c),
    end: () => void into.set(name.slice(9), Buffer.concat(parts)),
  };
}

/** Restores and their plans, for Backups (backups.ts): reading an archive, fitting it, applying it. */
export class Restores {
  private readonly sealing = new Set<Promise<BackupCreated>>();
  private spawnSealer: SpawnSealer | undefined;

  constructor(
    private readonly b: Backups,
    private readonly d: BackupsDeps,
  ) {}

  /**
   * What restoring `id` would do, from live state and the archive (read and verified to the end):
   * its age and installation, newer backups, rows per table live vs archive, users and pools
   * appearing or vanishing. Changes nothing (but records the verification). Approvals (issue 16)
   * bind to these facts.
   */
  async plan(id: string, signal?: AbortSignal): Promise<RestorePlan> {
    const raw = new Map<string, Buffer[]>();
    const wanted = /^tables\/(users|pools)\//;
    // an image is read into a file of its own, then asked (removed after)
    const dir = this.d.db.file ? dirname(this.d.db.file.path) : this.d.config().data.dir;
    const image = join(dir, `.${id}.plan-${process.pid}.db`);
    const facts: ArchiveFacts = { users: [], pools: [] };
    try {
      const v = await this.b.readAll(id, undefined, {
        ...(signal ? { signal } : {}),
        image,
        sink: (name) => {
          if (!wanted.test(name)) return undefined;
          const parts: Buffer[] = [];
          raw.set(name, parts);
          return { write: (c) => void parts.push(c), end: () => {} };
        },
      });
      if (v.manifest.format_version === IMAGE_FORMAT) {
        const img = this.d.openFile(image);
        try {
          const tables = new Set(v.manifest.tables.map((t) => t.name));
          for (const table of ['users', 'pools'] as const)
            if (tables.has(table)) facts[table] = await img.query(`SELECT * FROM ${table}`);
        } finally {
          await img.close();
        }
      }
      for (const table of ['users', 'pools'] as const) {
        const tm = v.manifest.tables.find((t) => t.name === table);
        if (!tm) continue;
        for (const e of tm.entries) {
          // the columns are read by name; secret columns are never among them, so no key is needed
          const sink = lineSink({ ...tm, columns: tm.columns }, undefined, (cells) => {
            facts[table].push(Object.fromEntries(tm.columns.map((c, i) => [c, cells[i] ?? null])));
          });
          for (const c of raw.get(e) ?? []) await sink.write(c);
          await sink.end();
        }
      }
      return await this.planOf(id, v.manifest, facts);
    } finally {
      await removeDbFile(image);
    }
  }

  private async planOf(id: string, manifest: Manifest, facts: ArchiveFacts): Promise<RestorePlan> {
    const created = Date.parse(manifest.created);
    const newer = (await this.b.list())
      .filter((b) => b.id !== id && Date.parse(b.created) > created)
      .map((b) => b.id);
    return computePlan(this.d.db, manifest, facts, {
      liveInstallation: await installationId(this.d.db),
      newer,
    });
  }

  /**
   * Verify, check the backup fits this store, then apply it to `db` (the live store unless a
   * scratch one is given): replaced tables take the archive's rows, security state and the audit
   * log are merged (policy.ts). Nothing is touched before every check passed. An image (format 3)
   * is read once, into a fresh database file that is merged and put in place of the live one
   * (image-restore.ts); rows (format 2) are verified, then read again into one transaction.
   * `safety`: take a safety backup of the state it replaces.
   */
  async restore(
    id: string,
    o: {
      db?: Db;
      safety?: boolean;
      /** Runs once the archive is read and checked, before the store changes. */
      before?: () => Promise<void>;
      progress?: OnProgress;
      signal?: AbortSignal;
      importKeys?: boolean;
      allowOtherInstallation?: boolean;
    } = {},
  ): Promise<
    RestoreOutcome & {
      id: string;
      seconds: number;
      manifest: Manifest;
      safety?: SafetyBackup;
      warnings?: string[];
    }
  > {
    const started = performance.now();
    const db = o.db ?? this.d.db;
    const stage = { now: 'refused' };
    const fresh = join(
      db.file ? dirname(db.file.path) : this.d.config().data.dir,
      `.${id}.restore-${process.pid}.db`,
    );
    const settings = new Map<string, Buffer>();
    try {
      await removeDbFile(fresh);
      // an image is written into `fresh` as it is read, its secret cells checked before it counts as verified
      const v = await this.b.readAll(id, o.progress, {
        ...(o.signal ? { signal: o.signal } : {}),
        accept: (m) => this.fits(id, m, db, !o.db && !o.allowOtherInstallation),
        image: fresh,
        sink: (name) => settingsSink(name, settings),
      });
      o.signal?.throwIfAborted();
      const common = {
        id,
        manifest: v.manifest,
        bytes: v.bytes,
        encryptionKey: v.encryptionKey,
        importKeys: o.importKeys ?? false,
        stage,
        ...(o.before ? { before: o.before } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.progress ? { progress: o.progress } : {}),
        safety: o.safety ? (image?: string) => this.safetyBackup(image, o.signal) : undefined,
      };
      let r: RestoreOutcome & { safety?: SafetyBackup; warnings?: string[] };
      if (v.manifest.format_version === IMAGE_FORMAT) {
        const { restoreImage } = await import('./image-restore.js');
        r = await restoreImage(db, { ...common, fresh, open: (path) => this.d.openFile(path), settings });
      } else {
        const holder = await this.b.holder(id);
        r = await this.restoreRows(db, { ...common, holder, total: v.uncompressed_bytes });
      }
      if (!o.db) this.d.metrics.restored('ok');
      return { ...r, id, seconds: (performance.now() - started) / 1000, manifest: v.manifest };
    } catch (e) {
      if (!o.db) this.d.metrics.restored(stage.now);
      // nothing changed before the swap (an image) or the commit (rows): a cancel leaves the store as it was
      if (o.signal?.aborted)
        throw new AppError('timeout', `the restore of ${id} was cancelled; the store is unchanged`);
      throw e;
    } finally {
      await removeDbFile(fresh);
    }
  }

  /** Refuses (before any entry is read) an archive this store cannot take, or one of another installation. */
  private async fits(id: string, m: Manifest, db: Db, sameInstallation: boolean): Promise<void> {
    const why = incompatibility(m, await stateTables(db), SCHEMA_VERSION);
    if (why) throw new AppError('invalid_input', `backup ${id} is refused: ${why}. Nothing was changed.`);
    if (!sameInstallation) return;
    const mine = await installationId(db);
    const theirs = m.installation ?? null;
    if (theirs !== mine)
      throw new AppError(
        'invalid_input',
        `backup ${id} is refused: it comes from installation ${theirs ?? '(not recorded)'} and this is ${mine}; ` +
          "to restore another installation's backup on purpose, pass allow_other_installation. Nothing was changed.",
      );
  }

  /** Rows (format 2): safety backup first, then the archive read a second time into one transaction. */
  private async restoreRows(
    db: Db,
    o: {
      id: string;
      manifest: Manifest;
      bytes: Buffer;
      encryptionKey: string;
      importKeys: boolean;
      holder: BlobStore;
      total: number;
      stage: { now: string };
      before?: () => Promise<void>;
      safety: ((image?: string) => Promise<SafetyBackup>) | undefined;
      signal?: AbortSignal;
      progress?: OnProgress;
    },
  ): Promise<RestoreOutcome & { safety?: SafetyBackup }> {
    o.stage.now = 'failed';
    await o.before?.();
    const safety = o.safety ? await o.safety() : undefined;
    o.signal?.throwIfAborted();
    let read = 0;
    const { readArchive } = await import('./read.js');
    const r = await restoreInto(
      db,
      async (sink) => {
        await readArchive(await this.b.source(o.id, o.holder), {
          id: o.id,
          keys: this.b.keys(),
          limits: this.b.limits(),
          pinned: { manifest: o.manifest, bytes: o.bytes },
          sink,
          onBytes: (n) => {
            read += n;
            o.progress?.(read, o.total, `restore ${o.id}`);
          },
          ...(o.signal ? { signal: o.signal } : {}),
        });
      },
      { id: o.id, manifest: o.manifest, encryptionKey: o.encryptionKey, importKeys: o.importKeys },
    );
    return { ...r, ...(safety ? { safety } : {}) };
  }

  /**
   * The safety backup of a restore: a full backup of the store now (rows), or (the embedded
   * store) the database file the restore replaced, sealed after the restore returned: that file
   * is complete and durable (renamed, its folder synced) before the restore returns, and stays
   * until its archive is; one a crash left behind is sealed by the next backup (cleanupInterrupted).
   */
  private async safetyBackup(image: string | undefined, signal?: AbortSignal): Promise<SafetyBackup> {
    if (!image) {
      const b = await this.b.create({ type: 'safety', ...(signal ? { signal } : {}) });
      return {
        id: b.id,
        location: b.location,
        ...(b.fallback ? { fallback: b.fallback } : {}),
        sealed: Promise.resolve(b),
      };
    }
    if (this.spawnSealer) {
      const handed = await this.handOff(image, this.spawnSealer).catch((e: unknown) => {
        this.d.log.warn(
          { err: e, image },
          'could not hand the safety backup to a sealing process; sealing it here',
        );
      });
      if (handed) return handed;
    }
    // sealed to the end whatever the call's cancellation: the restore it belongs to is complete
    const b = await this.b.begin({ type: 'safety', image });
    const sealed = b.done.then(async (r) => {
      await removeDbFile(image);
      return r;
    });
    this.sealing.add(sealed);
    sealed
      .catch((e) =>
        this.d.log.error(
          { err: e, id: b.id, image },
          'the safety backup could not be sealed; the database file the restore replaced stays, the next backup seals it',
        ),
      )
      .finally(() => this.sealing.delete(sealed));
    return { id: b.id, location: b.location, ...(b.fallback ? { fallback: b.fallback } : {}), sealed };
  }

  /**
   * Seal the safety images of restores in a process of their own, started by `spawn`, instead of
   * in this one: for a process that ends once its call is done (the CLI), so the operator's
   * `backup restore` returns once the restore is in place and the file it replaced is durable.
   */
  sealElsewhere(spawn: SpawnSealer): void {
    this.spawnSealer = spawn;
  }

  /**
   * Claim the safety backup's id here, then pass the row and the image to a sealing process:
   * the image is renamed after its pid and the row takes its pid before it gets its job, so
   * whichever process ends first, the next backup finds the image and the row of a dead process
   * (sealLeftImages, cleanupInterrupted).
   */
  private async handOff(image: string, spawn: SpawnSealer): Promise<SafetyBackup> {
    const c = await this.b.claim('safety');
    let sealer: Sealer | undefined;
    let moved: string | undefined;
    try {
      sealer = spawn();
      moved = ownedBy(image, sealer.pid);
      await rename(image, moved);
      await this.b.catalog.handOver(c.id, sealer.pid);
      await sealer.start({ id: c.id, image: moved });
    } catch (e) {
      sealer?.kill();
      if (moved) await rename(moved, image).catch(() => {});
      await this.b.catalog
        .fail(c.id, `not handed to a sealing process: ${(e as Error).message}`)
        .catch(() => {});
      throw e;
    }
    this.d.log.info({ id: c.id, pid: sealer.pid, image: moved }, 'safety backup handed to a sealing process');
    return {
      id: c.id,
      location: c.location,
      ...(c.fallback ? { fallback: c.fallback } : {}),
      sealer: sealer.pid,
    };
  }

  /** Safety backups still being sealed after their restore returned (the process waits for them as it closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.sealing]);
  }
}
