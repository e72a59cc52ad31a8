import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
const IV = 12;
const chunkFor = (bytes: number) => Math.min(16 << 20, Math.max(64 << 10, bytes));
const TAG = 16;

/** A per-backup data key derived (HKDF) from the configured encryption key. */
export const entryKey = (secret: string, backupId: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, backupId, 'mahavishnu backup entries v2', 32));

const aad = (backupId: string, name: string) => Buffer.from(`mahavishnu-backup-entry\n${backupId}\n${name}`);

/**
 * An entry as stored: deflate (on the zlib thread pool, so several entries compress at once),
 * then AES-256-GCM with the backup id and entry name bound as associated data (an entry cannot
 * be moved to another name or archive): iv ‖ ciphertext ‖ tag.
 */
export async function sealEntry(
  key: Buffer,
  backupId: string,
  name: string,
  plain: Buffer,
  // level 1: several times faster than 6 for a few % more bytes (the entries are sealed, and the
  // outer gzip does not compress again), so a backup runs ahead of `tar czf` of the same data
  level = 1,
): Promise<Buffer> {
  // output in 1 MiB buffers: with the default 16 KiB, every 16 KiB is a round trip to the thread
  // pool and a callback on the event loop (the output is a fraction of the input)
  const packed = await deflate(plain, { level, chunkSize: chunkFor(Math.min(plain.length, 1 << 20)) });
  return encryptEntry(key, backupId, name, packed);
}

/** An entry already deflated (image-workers.ts), sealed as sealEntry seals: iv ‖ ciphertext ‖ tag. */
export function encryptEntry(key: Buffer, backupId: string, name: string, packed: Buffer): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad(backupId, name));
  return Buffer.concat([iv, c.update(packed), c.final(), c.getAuthTag()]);
}

/**
 * The plaintext of a sealed entry, or undefined when the key is wrong or it was altered. It
 * inflates on the zlib thread pool, so several entries open at once.
 */
export async function openEntry(
  key: Buffer,
  backupId: string,
  name: string,
  sealed: Buffer,
  plainSize: number,
): Promise<Buffer | undefined> {
  const packed = decryptEntry(key, backupId, name, sealed);
  if (!packed) return undefined;
  // bounded by the size the signed manifest declares: an entry never inflates beyond it
  const plain = await inflate(packed, {
    maxOutputLength: Math.max(1, plainSize),
    chunkSize: chunkFor(plainSize),
  });
  return plain.length === plainSize ? plain : undefined;
}

/**
 * The deflated content of a sealed entry (AES-256-GCM checked and removed), or undefined when the
 * key is wrong or it was altered; inflating it is the caller's (openEntry, image-open.ts).
 */
export function decryptEntry(
  key: Buffer,
  backupId: string,
  name: string,
  sealed: Buffer,
): Buffer | undefined {
  if (sealed.length < IV + TAG) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV));
    d.setAAD(aad(backupId, name));
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([d.update(sealed.subarray(IV, sealed.length - TAG)), d.final()]);
  } catch {
    return undefined;
  }
}
