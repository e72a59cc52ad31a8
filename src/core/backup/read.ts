import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AppError } from '../errors.js';
import { FORMAT, FORMAT_VERSION, keyId, MANIFEST, Manifest, SIGNATURE, signatureValid } from './manifest.js';

export interface ReadLimits {
  maxBytes: number;
  maxEntries: number;
}

/** Receives one data entry's bytes during a restore; end() runs only after its checksum matched. */
export interface EntrySink {
  write(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface ReadOptions {
  id: string;
  signingKey: string;
  limits: ReadLimits;
  /** The manifest a first (verify) pass accepted: entries are then checked as they arrive. */
  pinned?: { manifest: Manifest; bytes: Buffer };
  sink?: (name: string) => EntrySink | undefined;
  onBytes?: (n: number) => void;
  /** Stops the read within a chunk (the caller's transaction then rolls back). */
  signal?: AbortSignal;
}

export interface ReadResult {
  manifest: Manifest;
  bytes: Buffer;
  entries: number;
  uncompressed: number;
}

const refuse = (id: string, why: string) =>
  new AppError('invalid_input', `backup ${id} is refused: ${why}. Nothing was changed.`, { backup_id: id });

/** Only plain relative names inside the archive's own folders: no absolute path, no "..", no odd bytes. */
function safeName(name: string): boolean {
  if (!name || name.length > 255 || name.includes('\\') || name.includes('\0')) return false;
  if (name.startsWith('/') || posix.normalize(name) !== name) return false;
  if (name.split('/').some((s) => s === '..' || s === '.' || s === '')) return false;
  return name === MANIFEST || name === SIGNATURE || /^(tables|settings)\/[A-Za-z0-9._/-]+$/.test(name);
}

/**
 * Read an archive to its end, checking as it goes: only regular files with safe names, at most
 * maxEntries and maxBytes (checked from each header before its body is read), each entry's size
 * and SHA-256 against the manifest, and the manifest's HMAC signature. Throws a clear refusal on
 * the first problem.
 */
export async function readArchive(source: Readable, o: ReadOptions): Promise<ReadResult> {
  const gunzip = createGunzip();
  const extract = tar.extract();
  source.on('error', (e) => gunzip.destroy(e));
  gunzip.on('error', (e) => extract.destroy(e));
  source.pipe(gunzip).pipe(extract);
  source.on('data', (c: Buffer) => o.onBytes?.(c.length));
  const seen = new Map<string, { size: number; sha256: string }>();
  const pinned = o.pinned && new Map(o.pinned.manifest.entries.map((e) => [e.name, e]));
  const names = new Set<string>();
  let manifestBytes: Buffer | undefined;
  let signature: string | undefined;
  let total = 0;
  let count = 0;
  try {
    for await (const entry of extract) {
      o.signal?.throwIfAborted();
      const h = entry.header;
      count++;
      if (count > o.limits.maxEntries)
        throw refuse(o.id, `it has more than ${o.limits.maxEntries} entries (backup.max_restore_entries)`);
      if (h.type === 'directory') {
        entry.resume();
        continue;
      }
      if (h.type !== 'file')
        throw refuse(o.id, `entry "${h.name}" is a ${h.type}, and only regular files are accepted`);
      if (!safeName(h.name)) throw refuse(o.id, `entry "${h.name}" has a name outside the archive's folders`);
      if (names.has(h.name)) throw refuse(o.id, `entry "${h.name}" appears twice`);
      names.add(h.name);
      total += h.size ?? 0;
      if (total > o.limits.maxBytes)
        throw refuse(
          o.id,
          `entries add up to more than ${o.limits.maxBytes} bytes (backup.max_restore_bytes)`,
        );
      if (signature !== undefined) throw refuse(o.id, `entry "${h.name}" follows the signature`);
      if (h.name === MANIFEST || h.name === SIGNATURE) {
        if ((h.size ?? 0) > 64 << 20) throw refuse(o.id, 'the manifest is too large');
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        if (h.name === MANIFEST) manifestBytes = Buffer.concat(chunks);
        else signature = Buffer.concat(chunks).toString('utf8');
        continue;
      }
      if (manifestBytes) throw refuse(o.id, `entry "${h.name}" follows the manifest`);
      const expected = pinned?.get(h.name);
      if (pinned && !expected) throw refuse(o.id, `entry "${h.name}" is not in the manifest`);
      const hash = createHash('sha256');
      const sink = o.sink?.(h.name);
      let size = 0;
      for await (const c of entry) {
        o.signal?.throwIfAborted();
        hash.update(c as Buffer);
        size += (c as Buffer).length;
        await sink?.write(c as Buffer);
      }
      const sha256 = hash.digest('hex');
      if (expected && (expected.size !== size || expected.sha256 !== sha256))
        throw refuse(o.id, `entry "${h.name}" does not match its checksum (the archive was altered)`);
      seen.set(h.name, { size, sha256 });
      await sink?.end();
    }
  } catch (e) {
    source.destroy();
    if (e instanceof AppError) throw e;
    if (o.signal?.aborted)
      throw new AppError('timeout', `reading backup ${o.id} was cancelled; nothing was changed`);
    const msg = (e as Error).message ?? String(e);
    throw refuse(o.id, `the archive is truncated or corrupt (${msg})`);
  }
  if (!manifestBytes) throw refuse(o.id, 'it has no manifest.json (not a mahavishnu backup, or cut short)');
  if (signature === undefined)
    throw refuse(o.id, 'it is unsigned (no manifest.sig); only signed backups are restored');
  if (!signatureValid(o.signingKey, manifestBytes, signature)) {
    let claimed = '';
    try {
      claimed = String(JSON.parse(manifestBytes.toString()).signing_key_id ?? '');
    } catch {}
    const mine = keyId(o.signingKey);
    throw refuse(
      o.id,
      claimed && claimed !== mine
        ? `its signature does not match: it names signing key id ${claimed} and backup.signing_key has key id ${mine}; set the key it was made with`
        : 'its signature does not match backup.signing_key: the archive was altered after it was signed',
    );
  }
  if (o.pinned && !manifestBytes.equals(o.pinned.bytes))
    throw refuse(o.id, 'the archive changed since it was verified');
  let manifest: Manifest;
  try {
    manifest = Manifest.parse(JSON.parse(manifestBytes.toString('utf8')));
  } catch {
    throw refuse(o.id, 'its manifest is not a mahavishnu backup manifest');
  }
  if (manifest.format !== FORMAT || manifest.format_version !== FORMAT_VERSION)
    throw refuse(
      o.id,
      `its format version ${manifest.format_version} is not ${FORMAT_VERSION}, the one this build reads`,
    );
  if (manifest.id !== o.id) throw refuse(o.id, `its manifest names backup ${manifest.id}`);
  for (const e of manifest.entries) {
    const s = seen.get(e.name);
    if (!s) throw refuse(o.id, `entry "${e.name}" listed in the manifest is missing`);
    if (s.size !== e.size || s.sha256 !== e.sha256)
      throw refuse(o.id, `entry "${e.name}" does not match its checksum (the archive was altered)`);
  }
  if (seen.size !== manifest.entries.length)
    throw refuse(o.id, 'it holds entries the manifest does not list');
  return { manifest, bytes: manifestBytes, entries: count, uncompressed: total };
}
