import { readFileSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { AppError, notFound } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../sql/db.js';
import { SCHEMA_VERSION } from '../sql/migrations.js';
import type { BlobConfig, BlobStore, BlobStoreFactory } from './blob.js';
import { Catalog, type CatalogRow } from './catalog.js';
import { imageContent, removeDbFile } from './image-write.js';
import { installationId } from './installation.js';
import { type Keyring, keyring } from './keyring.js';
import { archiveName, type BackupType, backupId, idTime, type Manifest } from './manifest.js';
import type { BackupMetrics } from './metrics.js';
// read.js and write.js (tar-stream, zlib) are loaded when a backup tool runs, not at every start
import type { EntrySink, ReadLimits } from './read.js';
import { lineSink } from './restore.js';
import { Restores } from './restores.js';
import { ownedBy, SAFETY_IMAGE } from './safety-image.js';
import type { BackupCreated, BackupSummary, VerifyReport } from './schemas.js';
import { scrubbedSettings } from './scrub.js';
import { columnKey, isSecret } from './secrets.js';
import type { archiveStream } from './write.js';

export interface BackupsDeps {
  db: Db;
  log: Logger;
  version: string;
  config: () => Config;
  /** Settings files in force (copied, secrets removed, into each archive). */
  sources: () => string[];
  openBlobStore: BlobStoreFactory;
  metrics: BackupMetrics;
  /** An embedded store on a database file (a restored image, read or merged before it goes live). */
  openFile: (path: string) => Db;
}

export type OnProgress = (done: number, total: number, message: string) => void;

/** A backup id claimed in the catalog, and where its archive goes. */
export interface Claimed {
  id: string;
  location: string;
  blob: BlobStore;
  /** performance.now() when the claim started. */
  started: number;
  /** Interrupted backups the claim's cleanup failed. */
  cleaned: string[];
  /** Why the archive goes to the local folder instead of the configured bucket. */
  fallback?: string;
}
export type { SafetyBackup, SpawnSealer } from './restores.js';

const MIN_KEY = 32;
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * Whether process `pid` of this host still runs. A zombie does not: a sealer (src/cli/seal.ts)
 * outlives the CLI that started it, and where nothing reaps orphans (a container whose first
 * process does not), one that died stays a zombie, which signal 0 still finds.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

/**
 * Entries of tables with secret columns are read row by row even when only verifying: a secret
 * in clear (a forged archive) is refused whatever the manifest says, before any restore starts.
 */
function withSecretCheck(name: string, m: Manifest, inner: EntrySink | undefined): EntrySink | undefined {
  const tm = m.tables.find((t) => t.entries.includes(name));
  if (!tm?.columns.some((c) => isSecret(tm.name, c))) return inner;
  return both(
    lineSink(tm, undefined, () => {}, true, m.id),
    inner,
  );
}

/** One entry's plaintext given to two sinks, in turn (never an image writer's, which takes it deflated: takeDeflated). */
function both(a: EntrySink | undefined, b: EntrySink | undefined): EntrySink | undefined {
  if (!a || !b) return a ?? b;
  return {
    write: async (c) => {
      await a.write(c);
      await b.write(c);
    },
    end: async () => {
      await a.end();
      await b.end();
    },
  };
}

/** Tells apart the image files of verifies running at once in this process. */
let verifying = 0;

/** Creating, listing, verifying, pruning and restoring archives of the whole state store. */
export class Backups {
  readonly catalog: Catalog;
  private blobFor: { cfg: Config['backup']; dir: string; store: Promise<BlobStore> } | undefined;

  constructor(private readonly d: BackupsDeps) {
    this.catalog = new Catalog(d.db);
    this.restores = new Restores(this, d);
  }

  private get cfg() {
    return this.d.config().backup;
  }

  private blobConfig(): BlobConfig {
    const cfg = this.cfg;
    return {
      store: cfg.store,
      dir: cfg.dir || `${this.d.config().data.dir}/backups`,
      bucket: cfg.bucket,
      prefix: cfg.prefix,
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.force_path_style,
      partSizeBytes: cfg.part_size_mb * 1024 * 1024,
    };
  }

  /** The blob store of the settings in force (rebuilt when they change). */
  blob(): Promise<BlobStore> {
    const cfg = this.cfg;
    const dir = cfg.dir || `${this.d.config().data.dir}/backups`;
    if (this.blobFor?.cfg !== cfg || this.blobFor.dir !== dir) {
      if (cfg.store === 's3' && !cfg.bucket)
        throw new AppError(
          'invalid_input',
          'backup.store is s3 but backup.bucket is empty; set backup.bucket',
        );
      this.blobFor = { cfg, dir, store: this.d.openBlobStore(this.blobConfig()) };
    }
    return this.blobFor.store;
  }

  limits(): ReadLimits {
    return {
      maxBytes: this.cfg.max_restore_bytes,
      maxEntries: this.cfg.max_restore_entries,
      maxRatio: this.cfg.max_inflate_ratio,
    };
  }

  /** The current backup keys and the older ones still accepted for reading. */
  keys(): Keyring {
    return keyring(this.cfg);
  }

  signingKey(): string {
    const key = this.cfg.signing_key;
    if (key.length < MIN_KEY) {
      throw new AppError(
        'invalid_input',
        `no backup signing key is set (backup.signing_key, at least ${MIN_KEY} characters): backups are signed so a ` +
          'tampered archive is never restored. Set it outside the store, e.g. ' +
          'MAHAVISHNU_BACKUP__SIGNING_KEY=$(openssl rand -hex 32), and keep a copy with your recovery documents.',
      );
    }
    return key;
  }

  /** Mark backups whose process died (or that are stale on another host) failed, and discard their partial archives. */
  async cleanupInterrupted(): Promise<string[]> {
    const blob = await this.blob();
    const cleaned: string[] = [];
    const host = hostname();
    const staleMs = this.cfg.stale_after_hours * 3600_000;
    for (const r of await this.catalog.running()) {
      const dead = r.host === host ? !alive(r.pid) : Date.now() - r.created_at > staleMs;
      if (!dead) continue;
      await blob
        .discardPartial(archiveName(r.id))
        .catch((e) =>
          this.d.log.warn(
            { err: e, id: r.id },
            'could not discard the partial archive; it is not listed anyway',
          ),
        );
      if (r.host === host)
        for (const f of [`.${r.id}.spool-${r.pid}`, `.${r.id}.image-${r.pid}`])
          await removeDbFile(join(this.d.config().data.dir, f));
      await this.catalog.fail(r.id, 'interrupted: the process ended before the archive was complete');
      cleaned.push(r.id);
    }
    if (cleaned.length) this.d.log.warn({ cleaned }, 'cleaned up interrupted backups');
    await this.sealLeftImages();
    return cleaned;
  }

  /**
   * A restore keeps the database file it replaced until its safety backup is sealed; when its
   * process ended first, the file is sealed here, under a new id (the interrupted one is failed above).
   * The fresh files of restores that never finished are removed.
   */
  private async sealLeftImages(): Promise<void> {
    const file = this.d.db.file;
    if (!file) return;
    const dir = dirname(file.path);
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      // the fresh file of a restore (or a plan, a verify) whose process ended: nothing was put in place
      const fresh = /^\.backup_\w+\.(?:restore|plan|verify)-(\d+)(?:-\d+)?\.db(?:-wal|-shm)?$/.exec(f);
      if (fresh && !alive(Number(fresh[1]))) await rm(join(dir, f), { force: true });
      const m = SAFETY_IMAGE.exec(f);
      if (!m || alive(Number(m[2]))) continue;
      // ours from now on: a backup started meanwhile leaves it alone
      const image = ownedBy(join(dir, f), process.pid);
      await rename(join(dir, f), image);
      try {
        const b = await this.create({ type: 'safety', image });
        await removeDbFile(image);
        this.d.log.warn({ id: b.id, image: f }, 'sealed the safety backup a restore left unsealed');
      } catch (e) {
        // (a copy a crash cut short): set aside for the operator, never tried again, never blocking a backup
        await rename(image, `${image}.unsealed`).catch(() => {});
        this.d.log.error(
          { err: e, image: `${image}.unsealed` },
          'a safety image a restore left cannot be sealed',
        );
      }
    }
  }

  /**
   * Where a new archive goes: the configured store, except that a safety backup (taken before a
   * restore) falls back to the local backup folder when S3 cannot be reached, so a restore on a
   * fresh machine whose bucket is away works from a local copy; `fallback` says why.
   */
  private async target(type: BackupType): Promise<{ blob: BlobStore; fallback?: string }> {
    const blob = await this.blob();
    if (type !== 'safety' || blob.kind !== 's3') return { blob };
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        blob.check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
          timer.unref();
        }),
      ]).finally(() => clearTimeout(timer));
      return { blob };
    } catch (e) {
      const local = await this.d.openBlobStore({ ...this.blobConfig(), store: 'local' });
      const fallback =
        `${blob.location} cannot be reached (${(e as Error).message}): the safety backup was written to the ` +
        `local folder ${local.location} instead; copy it to the bucket once it is back`;
      this.d.log.warn(
        { s3: blob.location, local: local.location, err: e },
        'safety backup falls back to the local folder',
      );
      return { blob: local, fallback };
    }
  }

  /**
   * The archive stream of the store's state: its database file (format 3) where the store is one,
   * else its rows (format 2).
   */
  private async archive(
    id: string,
    type: BackupType,
    o: {
      signal?: AbortSignal;
      image?: string;
      progress?: (done: number, total: number, unit: 'rows' | 'bytes' | 'snapshot') => void;
    },
  ): Promise<ReturnType<typeof archiveStream>> {
    const { archiveStream, rowsContent } = await import('./write.js');
    const file = this.d.db.file;
    const encryptionKey = this.cfg.encryption_key;
    const spoolDir = this.d.config().data.dir;
    return archiveStream({
      id,
      type,
      host: hostname(),
      installation: await installationId(this.d.db),
      version: this.d.version,
      schemaVersion: SCHEMA_VERSION,
      sourceDialect: this.d.db.dialect,
      signingKey: this.signingKey(),
      encryptionKey,
      settings: scrubbedSettings(this.d.sources()),
      spoolDir,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(file
        ? {
            // the image's entries are big and independent: as many at once as there are cores
            inFlight: Math.max(2, availableParallelism()),
            content: imageContent(file, {
              id,
              encryptionKey,
              spoolDir,
              ...(o.image ? { image: o.image } : {}),
              progress: (done, total) => o.progress?.(done, total, 'bytes'),
              started: () => o.progress?.(0, 0, 'snapshot'),
            }),
          }
        : {
            content: rowsContent(this.d.db, {
              id,
              encryptionKey,
              progress: (done, total) => o.progress?.(done, total, 'rows'),
            }),
          }),
    });
  }

  async create(o: {
    type: BackupType;
    progress?: OnProgress;
    signal?: AbortSignal;
    /** The embedded store: seal this database file instead of a snapshot (a restore's safety backup). */
    image?: string;
  }): Promise<BackupCreated> {
    return (await this.begin(o)).done;
  }

  /** A backup claimed and being written (also for restores.ts: a safety backup sealed after its restore returned). */
  async begin(o: {
    type: BackupType;
    progress?: OnProgress;
    signal?: AbortSignal;
    image?: string;
  }): Promise<{ id: string; location: string; fallback?: string; done: Promise<BackupCreated> }> {
    const c = await this.claim(o.type);
    const done = this.write(c.id, o, c);
    done.catch(() => {}); // surfaces where it is awaited
    return { id: c.id, location: c.location, ...(c.fallback ? { fallback: c.fallback } : {}), done };
  }

  /**
   * A new backup id claimed in the catalog (status running, this process's pid) and the store its
   * archive goes to, nothing written yet: begin writes it here, a hand-off (restores.ts) in the
   * process it hands the row to.
   */
  async claim(type: BackupType): Promise<Claimed> {
    // refused before a catalog row is claimed: a backup without keys never starts
    this.signingKey();
    const started = performance.now();
    const { blob, fallback } = await this.target(type);
    // the cleanup works on the configured store: with S3 away, a safety backup goes on without it
    const cleaned = fallback ? [] : await this.cleanupInterrupted();
    const now = new Date();
    for (let n = 1; n < 1000; n++) {
      const id = backupId(now, n);
      if (await blob.stat(archiveName(id))) continue;
      const location = blob.locate(archiveName(id));
      const claimed = await this.catalog.claim({
        id,
        type,
        store: blob.kind,
        location,
        host: hostname(),
        pid: process.pid,
        schema_version: SCHEMA_VERSION,
      });
      if (claimed) return { id, location, blob, started, cleaned, ...(fallback ? { fallback } : {}) };
    }
    throw new AppError('conflict', 'no free backup id for this second; retry');
  }

  /**
   * Seal the database file a restore replaced under the id its process claimed and handed to this
   * one (src/cli/seal.ts: the CLI returns once its restore is done, and a process of its own seals
   * the safety backup). A row that is not this process's any more (the restoring process ended
   * before it handed it over, and a backup failed it meanwhile) gets a new id, as a left image does.
   * On failure the file stays: the next backup seals it (sealLeftImages).
   */
  async sealHandedOver(id: string, image: string): Promise<BackupCreated> {
    const row = await this.catalog.get(id);
    const mine = row?.status === 'running' && row.pid === process.pid && row.host === hostname();
    let b: BackupCreated;
    if (!mine) b = await this.create({ type: 'safety', image });
    else {
      const configured = await this.blob();
      // the store the restoring process chose: the local folder when the bucket was away
      const blob =
        row.store === configured.kind
          ? configured
          : await this.d.openBlobStore({ ...this.blobConfig(), store: 'local' });
      b = await this.write(id, { type: 'safety', image }, { blob, started: performance.now(), cleaned: [] });
    }
    await removeDbFile(image);
    return b;
  }

  private async write(
    id: string,
    o: { type: BackupType; progress?: OnProgress; signal?: AbortSignal; image?: string },
    c: { blob: BlobStore; started: number; cleaned: string[]; fallback?: string },
  ): Promise<BackupCreated> {
    const { blob, started, cleaned, fallback } = c;
    const name = archiveName(id);
    let archive: ReturnType<typeof archiveStream> | undefined;
    try {
      archive = await this.archive(id, o.type, {
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.image ? { image: o.image } : {}),
        progress: (done, total, unit) =>
          o.progress?.(
            done,
            total,
            unit === 'rows'
              ? `backup ${id}: ${done}/${total} rows`
              : unit === 'snapshot'
                ? `backup ${id}: snapshot of the database file`
                : `backup ${id}: ${mb(done)}/${mb(total)} MB sealed`,
          ),
      });
      const { stream, manifest } = archive;
      const [m, put] = await Promise.all([manifest, blob.put(name, stream, o.signal)]);
      const seconds = (performance.now() - started) / 1000;
      await this.catalog.complete(id, put.size, seconds * 1000);
      this.d.metrics.backupDone(put.size, seconds);
      this.d.log.info({ id, size: put.size, seconds, location: blob.locate(name) }, 'backup complete');
      return {
        id,
        type: o.type,
        size_bytes: put.size,
        created: m.created,
        location: blob.locate(name),
        last_verified: null,
        verified_ok: null,
        duration_seconds: Math.round(seconds * 1000) / 1000,
        tables: m.tables.length,
        rows: m.tables.reduce((a, t) => a + t.rows, 0),
        cleaned_up: cleaned,
        store: this.d.db.location,
        ...(fallback ? { fallback } : {}),
      };
    } catch (e) {
      // stop the producer and let its read transaction end before touching the store again
      archive?.stream.destroy();
      await archive?.manifest.catch(() => {});
      await blob.discardPartial(name).catch(() => {});
      await this.catalog.fail(id, (e as Error).message ?? String(e)).catch(() => {});
      if (o.signal?.aborted)
        throw new AppError('timeout', `backup ${id} was cancelled; its partial archive was discarded`);
      if (e instanceof AppError) throw e;
      this.d.log.error({ err: e, id }, 'backup failed');
      throw new AppError(
        'unavailable',
        `backup ${id} failed and was discarded: ${(e as Error).message}; fix the cause and retry`,
      );
    }
  }

  /**
   * The work of a safety backup of the live store without keeping it: the same dump, sealing and
   * packing as `create`, into a sink that only counts (no catalog row, no archive). dr check
   * times it, so its restore figure is what a real restore costs.
   */
  async rehearseSafety(signal?: AbortSignal): Promise<{ seconds: number; bytes: number }> {
    const id = backupId(new Date(), 999);
    const file = this.d.db.file;
    // the embedded store's safety backup seals the file a restore replaced, without copying it:
    // the copy made here to have such a file is not part of the figure
    const image = file && join(this.d.config().data.dir, `.${id}.image-${process.pid}`);
    try {
      if (file && image) await file.snapshot(image, signal);
      const started = performance.now();
      const { stream, manifest } = await this.archive(id, 'safety', {
        ...(signal ? { signal } : {}),
        ...(image ? { image } : {}),
      });
      let bytes = 0;
      const drained = (async () => {
        for await (const c of stream) bytes += (c as Buffer).length;
      })();
      try {
        await Promise.all([manifest, drained]);
      } catch (e) {
        stream.destroy();
        await manifest.catch(() => {});
        throw e;
      }
      return { seconds: (performance.now() - started) / 1000, bytes };
    } finally {
      if (image) await removeDbFile(image);
    }
  }

  /** Complete archives (those under their final name), newest first, with what the catalog knows of them. */
  async list(): Promise<BackupSummary[]> {
    const blob = await this.blob();
    const rows = new Map((await this.catalog.all()).map((r) => [r.id, r]));
    const out: BackupSummary[] = [];
    for (const b of await blob.list()) {
      const id = b.name.replace(/\.tar\.gz$/, '');
      const r = rows.get(id);
      out.push({
        id,
        type: r?.type ?? 'unknown',
        size_bytes: b.size,
        created: iso(r?.created_at ?? idTime(id))!,
        location: blob.locate(b.name),
        last_verified: iso(r?.verified_at),
        verified_ok: r?.verified_ok === null || r?.verified_ok === undefined ? null : r.verified_ok === 1,
      });
    }
    return out.sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
  }

  /**
   * The store holding an archive: the configured one, else (when that is S3) the local backup
   * folder, where the runbook's `aws s3 cp … /opt/mahavishnu/backups/` puts a downloaded archive.
   */
  async holder(id: string): Promise<BlobStore> {
    const blob = await this.blob();
    const local =
      blob.kind === 's3' ? await this.d.openBlobStore({ ...this.blobConfig(), store: 'local' }) : undefined;
    let reachError: unknown;
    try {
      if (await blob.stat(archiveName(id))) return blob;
    } catch (e) {
      if (!local) throw e;
      reachError = e;
    }
    if (local && (await local.stat(archiveName(id)))) return local;
    if (reachError) throw reachError;
    const row = await this.catalog.get(id);
    if (row?.status === 'running') {
      if (row.host === hostname() && !alive(row.pid))
        throw new AppError(
          'conflict',
          `backup ${id} was never completed: process ${row.pid}, which wrote it, ended first; the next ` +
            "`backup_create` finishes what it left (a restore's safety backup is sealed under a new id)",
        );
      throw new AppError(
        'conflict',
        `backup ${id} is still being written (by process ${row.pid} on ${row.host}; a safety backup is sealed ` +
          'after its restore returned); retry once `backup_list` lists it',
      );
    }
    throw notFound(
      `backup ${id} is not in ${blob.location}${local ? ` nor in ${local.location}` : ''}; run \`backup_list\`, ` +
        `or copy the archive there (e.g. aws s3 cp s3://…/${archiveName(id)} ${local?.location ?? blob.location}/)`,
    );
  }

  async source(id: string, from: BlobStore): Promise<Readable> {
    const s = await from.get(archiveName(id));
    if (!s) throw notFound(`backup ${id} disappeared from ${from.location} during the call`);
    return s;
  }

  /**
   * Read the whole archive: signature, every checksum, to the end, and what a restore checks
   * before it changes anything: every secret cell sealed (an image is written to a file of its
   * own in the data folder for that, removed after). Records the outcome in the catalog.
   */
  async verify(
    id: string,
    progress?: OnProgress,
    o: { sink?: (name: string, m: Manifest) => EntrySink | undefined; signal?: AbortSignal } = {},
  ): Promise<VerifyReport & { manifest: Manifest; bytes: Buffer }> {
    const dir = this.d.db.file ? dirname(this.d.db.file.path) : this.d.config().data.dir;
    const image = join(dir, `.${id}.verify-${process.pid}-${++verifying}.db`);
    try {
      // the key stays inside this class: a result is never a place for it
      const { encryptionKey: _, ...report } = await this.readAll(id, progress, { ...o, image });
      return report;
    } finally {
      await removeDbFile(image);
    }
  }

  /** verify() with the key it found (for restores.ts: a result is never a place for it). */
  async readAll(
    id: string,
    progress?: OnProgress,
    o: {
      sink?: (name: string, m: Manifest) => EntrySink | undefined;
      accept?: (m: Manifest) => Promise<void>;
      signal?: AbortSignal;
      /** Write an image's entries to this new file, and check its secret cells before it counts as verified. */
      image?: string;
    } = {},
  ): Promise<VerifyReport & { manifest: Manifest; bytes: Buffer; encryptionKey: string }> {
    this.signingKey();
    const holder = await this.holder(id);
    const total = (await holder.stat(archiveName(id)))?.size ?? 0;
    const src = await this.source(id, holder);
    let read = 0;
    const { imageWriter, checkSecretCells } = await import('./image-read.js');
    const writer = o.image ? imageWriter(o.image) : undefined;
    try {
      const { readArchive } = await import('./read.js');
      const r = await readArchive(src, {
        id,
        keys: this.keys(),
        limits: this.limits(),
        onBytes: (n) => {
          read += n;
          progress?.(read, total, `verify ${id}`);
        },
        sink: (name, m) => both(writer?.sink(name, m), withSecretCheck(name, m, o.sink?.(name, m))),
        ...(o.accept ? { accept: o.accept } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      await writer?.close();
      if (writer?.written) {
        progress?.(read, total, `verify ${id}: checking the secret cells of the database image`);
        const img = this.d.openFile(o.image!);
        try {
          await checkSecretCells(img, id, columnKey(r.encryptionKey, id));
        } finally {
          await img.close();
        }
        if (o.signal?.aborted)
          throw new AppError('timeout', `reading backup ${id} was cancelled; nothing was changed`);
      }
      const m = r.manifest;
      await this.catalog.verified(id, true, {
        type: m.type,
        created_at: Date.parse(m.created),
        store: holder.kind,
        location: holder.locate(archiveName(id)),
        size: total,
        host: m.host,
        schema_version: m.schema_version,
      });
      return {
        id,
        ok: true,
        created: m.created,
        type: m.type,
        schema_version: m.schema_version,
        entries: r.entries,
        tables: m.tables.length,
        rows: m.tables.reduce((a, t) => a + t.rows, 0),
        uncompressed_bytes: r.uncompressed,
        manifest: m,
        bytes: r.bytes,
        encryptionKey: r.encryptionKey,
      };
    } catch (e) {
      // a cancelled read is no finding about the archive
      if (!o.signal?.aborted)
        await this.catalog
          .verified(id, false, {
            type: 'unknown',
            created_at: idTime(id) || Date.now(),
            store: holder.kind,
            location: holder.locate(archiveName(id)),
            size: total,
            host: 'unknown',
            schema_version: 0,
          })
          .catch(() => {});
      throw e;
    } finally {
      await writer?.close().catch(() => {});
    }
  }

  readonly restores: Restores;
  /** See restores.ts. */
  restore: Restores['restore'] = (id, o) => this.restores.restore(id, o);
  planRestore: Restores['plan'] = (id, signal) => this.restores.plan(id, signal);
  settle: Restores['settle'] = () => this.restores.settle();
  sealElsewhere: Restores['sealElsewhere'] = (spawn) => this.restores.sealElsewhere(spawn);

  /** Remove an archive and its catalog row. */
  async remove(id: string): Promise<void> {
    await (await this.blob()).delete(archiveName(id));
    await this.catalog.remove(id);
  }

  rowOf(id: string): Promise<CatalogRow | undefined> {
    return this.catalog.get(id);
  }
}
