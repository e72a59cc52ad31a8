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
import { installationId } from './installation.js';
import { type Keyring, keyring } from './keyring.js';
import { archiveName, type BackupType, backupId, IMAGE_FORMAT, idTime, type Manifest } from './manifest.js';
import type { BackupMetrics } from './metrics.js';
import { type ArchiveFacts, computePlan, type RestorePlan } from './plan.js';
// read.js and write.js (tar-stream, zlib) are loaded when a backup tool runs, not at every start
import type { EntrySink, ReadLimits } from './read.js';
import { incompatibility, lineSink, type RestoreOutcome, restoreInto } from './restore.js';
import { stateTables } from './schema-info.js';
import type { BackupCreated, BackupSummary, VerifyReport } from './schemas.js';
import { scrubbedSettings } from './scrub.js';
import { isSecret } from './secrets.js';
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

/** A settings entry of an archive, kept for the operator to compare (extract.ts). */
function settingsSink(name: string, into: Map<string, Buffer>): EntrySink | undefined {
  if (!name.startsWith('settings/')) return undefined;
  const parts: Buffer[] = [];
  return {
    write: (c) => void parts.push(c),
    end: () => void into.set(name.slice(9), Buffer.concat(parts)),
  };
}

export type OnProgress = (done: number, total: number, message: string) => void;

/** A restore's safety backup: its id and place, and the archive once sealed. */
export interface SafetyBackup {
  id: string;
  location: string;
  /** Why it went to the local folder instead of the configured bucket. */
  fallback?: string;
  sealed: Promise<BackupCreated>;
}

const MIN_KEY = 32;
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Entries of tables with secret columns are read row by row even when only verifying: a secret
 * in clear (a forged archive) is refused whatever the manifest says, before any restore starts.
 */
function withSecretCheck(name: string, m: Manifest, inner: EntrySink | undefined): EntrySink | undefined {
  const tm = m.tables.find((t) => t.entries.includes(name));
  if (!tm?.columns.some((c) => isSecret(tm.name, c))) return inner;
  const check = lineSink(tm, undefined, () => {}, true);
  return {
    write: async (c) => {
      await check.write(c);
      await inner?.write(c);
    },
    end: async () => {
      await check.end();
      await inner?.end();
    },
  };
}

/** Creating, listing, verifying, pruning and restoring archives of the whole state store. */
export class Backups {
  readonly catalog: Catalog;
  private readonly sealing = new Set<Promise<BackupCreated>>();
  private blobFor: { cfg: Config['backup']; dir: string; store: Promise<BlobStore> } | undefined;

  constructor(private readonly d: BackupsDeps) {
    this.catalog = new Catalog(d.db);
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
          await rm(join(this.d.config().data.dir, f), { force: true }).catch(() => {});
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
    const { SAFETY_IMAGE } = await import('./image-restore.js');
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      // the fresh file of a restore (or a plan) whose process ended: nothing was put in place
      const fresh = /^\.backup_\w+\.(?:restore|plan)-(\d+)\.db(?:-wal|-shm)?$/.exec(f);
      if (fresh && !alive(Number(fresh[1]))) await rm(join(dir, f), { force: true });
      const m = SAFETY_IMAGE.exec(f);
      if (!m || alive(Number(m[2]))) continue;
      // ours from now on: a backup started meanwhile leaves it alone
      const image = join(dir, `.safety-${m[1]}-${process.pid}.db`);
      await rename(join(dir, f), image);
      const b = await this.create({ type: 'safety', image });
      await rm(image, { force: true });
      this.d.log.warn({ id: b.id, image: f }, 'sealed the safety backup a restore left unsealed');
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
      progress?: (done: number, total: number, unit: 'rows' | 'bytes') => void;
    },
  ): Promise<ReturnType<typeof archiveStream>> {
    const { archiveStream, rowsContent } = await import('./write.js');
    const { imageContent } = await import('./image-write.js');
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

  /** A backup claimed (its id and where it goes are known) and running; `done` once complete. */
  private async begin(o: {
    type: BackupType;
    progress?: OnProgress;
    signal?: AbortSignal;
    image?: string;
  }): Promise<{ id: string; location: string; fallback?: string; done: Promise<BackupCreated> }> {
    // refused before a catalog row is claimed: a backup without keys never starts
    this.signingKey();
    const started = performance.now();
    const { blob, fallback } = await this.target(o.type);
    // the cleanup works on the configured store: with S3 away, a safety backup goes on without it
    const cleaned = fallback ? [] : await this.cleanupInterrupted();
    const now = new Date();
    let id = '';
    for (let n = 1; n < 1000 && !id; n++) {
      const candidate = backupId(now, n);
      if (await blob.stat(archiveName(candidate))) continue;
      const claimed = await this.catalog.claim({
        id: candidate,
        type: o.type,
        store: blob.kind,
        location: blob.locate(archiveName(candidate)),
        host: hostname(),
        pid: process.pid,
        schema_version: SCHEMA_VERSION,
      });
      if (claimed) id = candidate;
    }
    if (!id) throw new AppError('conflict', 'no free backup id for this second; retry');
    const name = archiveName(id);
    const done = this.write(id, o, { blob, started, cleaned, ...(fallback ? { fallback } : {}) });
    done.catch(() => {}); // surfaces where it is awaited
    return { id, location: blob.locate(name), ...(fallback ? { fallback } : {}), done };
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
      if (image) await rm(image, { force: true });
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
  private async holder(id: string): Promise<BlobStore> {
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
    throw notFound(
      `backup ${id} is not in ${blob.location}${local ? ` nor in ${local.location}` : ''}; run \`backup_list\`, ` +
        `or copy the archive there (e.g. aws s3 cp s3://…/${archiveName(id)} ${local?.location ?? blob.location}/)`,
    );
  }

  private async source(id: string, from: BlobStore): Promise<Readable> {
    const s = await from.get(archiveName(id));
    if (!s) throw notFound(`backup ${id} disappeared from ${from.location} during the call`);
    return s;
  }

  /** Read the whole archive: signature, every checksum, to the end. Records the outcome in the catalog. */
  async verify(
    id: string,
    progress?: OnProgress,
    o: { sink?: (name: string, m: Manifest) => EntrySink | undefined; signal?: AbortSignal } = {},
  ): Promise<VerifyReport & { manifest: Manifest; bytes: Buffer }> {
    // the key stays inside this class: a result is never a place for it
    const { encryptionKey: _, ...report } = await this.readAll(id, progress, o);
    return report;
  }

  private async readAll(
    id: string,
    progress?: OnProgress,
    o: {
      sink?: (name: string, m: Manifest) => EntrySink | undefined;
      accept?: (m: Manifest) => Promise<void>;
      signal?: AbortSignal;
    } = {},
  ): Promise<VerifyReport & { manifest: Manifest; bytes: Buffer; encryptionKey: string }> {
    this.signingKey();
    const holder = await this.holder(id);
    const total = (await holder.stat(archiveName(id)))?.size ?? 0;
    const src = await this.source(id, holder);
    let read = 0;
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
        sink: (name, m) => withSecretCheck(name, m, o.sink?.(name, m)),
        ...(o.accept ? { accept: o.accept } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
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
    }
  }

  /**
   * What restoring `id` would do, from live state and the archive (read and verified to the end):
   * its age and installation, newer backups, rows per table live vs archive, users and pools
   * appearing or vanishing. Changes nothing (but records the verification). Approvals (issue 16)
   * bind to these facts.
   */
  async planRestore(id: string, signal?: AbortSignal): Promise<RestorePlan> {
    const raw = new Map<string, Buffer[]>();
    const wanted = /^tables\/(users|pools)\//;
    // an image is read into a file of its own, then asked (removed after)
    const dir = this.d.db.file ? dirname(this.d.db.file.path) : this.d.config().data.dir;
    const image = join(dir, `.${id}.plan-${process.pid}.db`);
    const { imageWriter } = await import('./image-read.js');
    const writer = imageWriter(image);
    const facts: ArchiveFacts = { users: [], pools: [] };
    try {
      const v = await this.verify(id, undefined, {
        ...(signal ? { signal } : {}),
        sink: (name, m) => {
          const w = writer.sink(name, m);
          if (w || !wanted.test(name)) return w;
          const parts: Buffer[] = [];
          raw.set(name, parts);
          return { write: (c) => void parts.push(c), end: () => {} };
        },
      });
      await writer.close();
      if (writer.written) {
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
      await writer.close().catch(() => {});
      for (const f of [image, `${image}-wal`, `${image}-shm`]) await rm(f, { force: true }).catch(() => {});
    }
  }

  private async planOf(id: string, manifest: Manifest, facts: ArchiveFacts): Promise<RestorePlan> {
    const v = { manifest };
    const created = Date.parse(v.manifest.created);
    const newer = (await this.list())
      .filter((b) => b.id !== id && Date.parse(b.created) > created)
      .map((b) => b.id);
    return computePlan(this.d.db, v.manifest, facts, {
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
    const { imageWriter } = await import('./image-read.js');
    const writer = imageWriter(fresh);
    const settings = new Map<string, Buffer>();
    try {
      await rm(fresh, { force: true });
      const v = await this.readAll(id, o.progress, {
        ...(o.signal ? { signal: o.signal } : {}),
        accept: (m) => this.fits(id, m, db, !o.db && !o.allowOtherInstallation),
        sink: (name, m) => writer.sink(name, m) ?? settingsSink(name, settings),
      });
      await writer.close();
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
        const holder = await this.holder(id);
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
      await writer.close().catch(() => {});
      for (const f of [fresh, `${fresh}-wal`, `${fresh}-shm`]) await rm(f, { force: true }).catch(() => {});
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
        await readArchive(await this.source(o.id, o.holder), {
          id: o.id,
          keys: this.keys(),
          limits: this.limits(),
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
      const b = await this.create({ type: 'safety', ...(signal ? { signal } : {}) });
      return {
        id: b.id,
        location: b.location,
        ...(b.fallback ? { fallback: b.fallback } : {}),
        sealed: Promise.resolve(b),
      };
    }
    // sealed to the end whatever the call's cancellation: the restore it belongs to is complete
    const b = await this.begin({ type: 'safety', image });
    const sealed = b.done.then(async (r) => {
      await rm(image, { force: true });
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

  /** Safety backups still being sealed after their restore returned (the process waits for them as it closes). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.sealing]);
  }

  /** Remove an archive and its catalog row. */
  async remove(id: string): Promise<void> {
    await (await this.blob()).delete(archiveName(id));
    await this.catalog.remove(id);
  }

  rowOf(id: string): Promise<CatalogRow | undefined> {
    return this.catalog.get(id);
  }
}
