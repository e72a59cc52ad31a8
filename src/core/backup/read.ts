import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AppError } from '../errors.js';
import { decryptEntry, entryKey, openEntry } from './entry-crypto.js';
import { GzipGuard } from './gzip-guard.js';
import { type Keyring, keyFor } from './keyring.js';
import {
  FORMAT,
  IMAGE_FORMAT,
  keyId,
  MANIFEST,
  Manifest,
  READABLE_FORMATS,
  SIGNATURE,
  signatureValid,
} from './manifest.js';

export interface ReadLimits {
  maxBytes: number;
  maxEntries: number;
  maxRatio: number;
}

/** Receives one data entry's plaintext during a read; called only after its digest matched. */
export interface EntrySink {
  write(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
  /**
   * Take the entry decrypted but still deflated instead of its plaintext, and inflate it itself
   * (image-read.ts: off the event loop); false when it does not inflate to `plainSize` bytes.
   * Then write is never called.
   */
  takeDeflated?(packed: Buffer, plainSize: number): Promise<boolean>;
}

export interface ReadOptions {
  id: string;
  keys: Keyring;
  limits: ReadLimits;
  /** The manifest a first (verify) pass accepted: the archive must still carry exactly it. */
  pinned?: { manifest: Manifest; bytes: Buffer };
  sink?: (name: string, manifest: Manifest) => EntrySink | undefined;
  /** Called once the signed manifest is accepted, before any entry is read: throws to refuse. */
  accept?: (manifest: Manifest) => Promise<void> | void;
  onBytes?: (n: number) => void;
  /** Stops the read within a chunk (the caller's transaction then rolls back). */
  signal?: AbortSignal;
}

export interface ReadResult {
  manifest: Manifest;
  bytes: Buffer;
  entries: number;
  uncompressed: number;
  /** The key the entries (and secret cells) are sealed with. */
  encryptionKey: string;
}

const MAX_MANIFEST = 16 << 20;
/** Entries opening at once (inflate on the zlib thread pool); the sinks still get them in order. */
const OPENING = 4;

const refuse = (id: string, why: string) =>
  new AppError('invalid_input', `backup ${id} is refused: ${why}. Nothing was changed.`, { backup_id: id });

/** Only plain relative names inside the archive's own folders: no absolute path, no "..", no odd bytes. */
function safeName(name: string): boolean {
  if (!name || name.length > 255 || name.includes('\\') || name.includes('\0')) return false;
  if (name.startsWith('/') || posix.normalize(name) !== name) return false;
  if (name.split('/').some((s) => s === '..' || s === '.' || s === '')) return false;
  return /^(tables|settings|image)\/[A-Za-z0-9._/-]+$/.test(name);
}

async function body(entry: AsyncIterable<unknown>, signal?: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of entry) {
    signal?.throwIfAborted();
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/**
 * Read an archive, refusing on the first problem, in this order: manifest.json must be the first
 * entry and manifest.sig the second, and the signature must hold for a key of the ring before
 * any other entry is read; then each entry must be the next one the manifest lists, with its
 * size (from the header, before the body is read) and SHA-256; it is opened (AES-256-GCM, then
 * inflated to at most the size the manifest declares) and only then given to the sink. The gzip
 * stream is watched for bombs as it inflates, and must end with the trailer of our one member.
 */
export async function readArchive(source: Readable, o: ReadOptions): Promise<ReadResult> {
  const guard = new GzipGuard({ maxRatio: o.limits.maxRatio, maxBytes: o.limits.maxBytes }, (why) =>
    refuse(o.id, why),
  );
  // big chunks: the archive is stored (level 0), so gunzip is a copy; small ones cost a thread-pool round trip each
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const extract = tar.extract();
  const fail = (e: Error) => extract.destroy(e);
  source.on('error', fail);
  guard.raw.on('error', fail);
  gunzip.on('error', fail);
  guard.inflated.on('error', fail);
  source.on('data', (c: Buffer) => o.onBytes?.(c.length));
  source.pipe(guard.raw).pipe(gunzip).pipe(guard.inflated).pipe(extract);
  // the reader may be waiting for the next entry: end it too, or it waits for bytes that never come
  const abort = () => {
    source.destroy();
    fail(new Error('the read was cancelled'));
  };
  o.signal?.addEventListener('abort', abort, { once: true });

  let manifestBytes: Buffer | undefined;
  let manifest: Manifest | undefined;
  let key: Buffer | undefined;
  let encryptionKey = '';
  let index = 0;
  // entries open a few at once; each waits for the one before it to reach its sink
  let chain: Promise<void> = Promise.resolve();
  const opening: Promise<void>[] = [];
  try {
    for await (const entry of extract) {
      o.signal?.throwIfAborted();
      const h = entry.header;
      const size = h.size ?? 0;
      if (h.type !== 'file')
        throw refuse(o.id, `entry "${h.name}" is a ${h.type}, and only regular files are accepted`);
      if (index === 0) {
        if (h.name !== MANIFEST)
          throw refuse(
            o.id,
            `its first entry is "${h.name}", not the signed manifest (not a mahavishnu backup of this format)`,
          );
        if (size > MAX_MANIFEST) throw refuse(o.id, 'the manifest is too large');
        manifestBytes = await body(entry, o.signal);
      } else if (index === 1) {
        if (h.name !== SIGNATURE) throw refuse(o.id, 'it is unsigned (no manifest.sig after the manifest)');
        if (size > 1024) throw refuse(o.id, 'the signature entry is too large');
        const signature = (await body(entry, o.signal)).toString('utf8');
        manifest = checkManifest(o, manifestBytes!, signature);
        encryptionKey = keyFor(o.keys.encryption, manifest.encryption.key_id, 'encrypted', o.id);
        key = entryKey(encryptionKey, o.id);
        await o.accept?.(manifest);
      } else {
        const expected = manifest!.entries[index - 2];
        if (!expected) throw refuse(o.id, `entry "${h.name}" is not in the manifest`);
        if (h.name !== expected.name)
          throw refuse(o.id, `entry "${h.name}" is not the one the manifest lists next ("${expected.name}")`);
        if (size !== expected.size)
          throw refuse(o.id, `entry "${h.name}" does not match its checksum (the archive was altered)`);
        const sealed = await body(entry, o.signal);
        const sha256 = createHash('sha256').update(sealed).digest('hex');
        if (sealed.length !== expected.size || sha256 !== expected.sha256)
          throw refuse(o.id, `entry "${h.name}" does not match its checksum (the archive was altered)`);
        const sink = o.sink?.(h.name, manifest!);
        let opened: Promise<Buffer | boolean | undefined>;
        if (sink?.takeDeflated) {
          const packed = decryptEntry(key!, o.id, h.name, sealed);
          opened = packed ? sink.takeDeflated(packed, expected.plain_size) : Promise.resolve(undefined);
        } else opened = openEntry(key!, o.id, h.name, sealed, expected.plain_size);
        opened.catch(() => {}); // surfaces through the chain
        chain = chain.then(async () => {
          const plain = await opened;
          if (!plain)
            throw refuse(
              o.id,
              `entry "${h.name}" cannot be opened with the encryption key its manifest names`,
            );
          if (sink) {
            if (plain !== true) await sink.write(plain);
            await sink.end();
          }
        });
        chain.catch(() => {}); // surfaces where it is awaited
        opening.push(chain);
        if (opening.length > OPENING) await opening.shift();
      }
      index++;
    }
    await chain;
  } catch (e) {
    source.destroy();
    if (e instanceof AppError) throw e;
    if (o.signal?.aborted)
      throw new AppError('timeout', `reading backup ${o.id} was cancelled; nothing was changed`);
    const msg = (e as Error).message ?? String(e);
    // every listed entry was read: what broke the tar reader came after the archive's end
    if (manifest && index - 2 === manifest.entries.length)
      throw refuse(
        o.id,
        `data follows the end of the archive (an extra gzip member or trailing bytes: ${msg})`,
      );
    throw refuse(o.id, `the archive is truncated or corrupt (${msg})`);
  } finally {
    o.signal?.removeEventListener('abort', abort);
  }
  if (!manifestBytes) throw refuse(o.id, 'it has no manifest.json (not a mahavishnu backup, or cut short)');
  if (!manifest) throw refuse(o.id, 'it is unsigned (no manifest.sig); only signed backups are restored');
  const missing = manifest.entries[index - 2];
  if (missing) throw refuse(o.id, `entry "${missing.name}" listed in the manifest is missing`);
  if (!guard.trailerMatches())
    throw refuse(o.id, 'data follows the end of the archive (an extra gzip member or trailing bytes)');
  return {
    manifest,
    bytes: manifestBytes,
    entries: index,
    uncompressed: manifest.entries.reduce((a, e) => a + e.plain_size, 0),
    encryptionKey,
  };
}

/** The signature against every key of the ring, then the manifest's shape, id and limits. */
function checkManifest(o: ReadOptions, bytes: Buffer, signature: string): Manifest {
  if (!o.keys.signing.some((k) => signatureValid(k, bytes, signature))) {
    let claimed = '';
    try {
      claimed = String(JSON.parse(bytes.toString()).signing_key_id ?? '');
    } catch {}
    const mine = o.keys.signing.map(keyId);
    throw refuse(
      o.id,
      claimed && !mine.includes(claimed)
        ? `its signature does not match: it names signing key id ${claimed} and the configured signing keys have ids ${mine.join(', ')}; set the key it was made with`
        : 'its signature does not match backup.signing_key: the archive was altered after it was signed',
    );
  }
  if (o.pinned && !bytes.equals(o.pinned.bytes))
    throw refuse(o.id, 'the archive changed since it was verified');
  let raw: { format?: unknown; format_version?: unknown };
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw refuse(o.id, 'its manifest is not a mahavishnu backup manifest');
  }
  if (raw.format !== FORMAT || !READABLE_FORMATS.includes(raw.format_version as number))
    throw refuse(
      o.id,
      `its format version ${String(raw.format_version)} is not one this build reads (${READABLE_FORMATS.join(', ')}: every entry sealed, the signed manifest first)`,
    );
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success)
    throw refuse(
      o.id,
      `its manifest is not a mahavishnu backup manifest (${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')})`,
    );
  const m = parsed.data;
  if (m.id !== o.id) throw refuse(o.id, `its manifest names backup ${m.id}`);
  if (m.entries.length + 2 > o.limits.maxEntries)
    throw refuse(o.id, `it has more than ${o.limits.maxEntries} entries (backup.max_restore_entries)`);
  const total = m.entries.reduce((a, e) => a + e.plain_size, 0);
  if (total > o.limits.maxBytes)
    throw refuse(
      o.id,
      `its entries add up to more than ${o.limits.maxBytes} bytes (backup.max_restore_bytes)`,
    );
  const image = m.format_version === IMAGE_FORMAT;
  if (image !== Boolean(m.image) || (image && m.tables.some((t) => t.entries.length)))
    throw refuse(o.id, 'its manifest mixes the layouts of format 2 (rows) and 3 (database file)');
  let imageBytes = 0;
  const names = new Set<string>();
  for (const e of m.entries) {
    if (e.name.startsWith('image/')) {
      if (!image) throw refuse(o.id, `entry "${e.name}" has a name outside the archive's folders`);
      imageBytes += e.plain_size;
    } else if (image && !e.name.startsWith('settings/'))
      throw refuse(o.id, `entry "${e.name}" has a name outside the archive's folders`);
    if (!safeName(e.name)) throw refuse(o.id, `entry "${e.name}" has a name outside the archive's folders`);
    if (names.has(e.name)) throw refuse(o.id, `entry "${e.name}" appears twice`);
    names.add(e.name);
  }
  if (m.image && imageBytes !== m.image.bytes)
    throw refuse(
      o.id,
      `its image entries add up to ${imageBytes} bytes, not the ${m.image.bytes} it declares`,
    );
  return m;
}
