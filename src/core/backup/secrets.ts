import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

/**
 * Columns holding secret material. Their values are encrypted in archives with AES-256-GCM under
 * backup.encryption_key, so a leaked archive leaks no usable secret. Add a column here when a
 * migration adds one.
 */
export const SECRET_COLUMNS: readonly string[] = ['signing_keys.private_key'];

export const isSecret = (table: string, column: string) => SECRET_COLUMNS.includes(`${table}.${column}`);

/** The refusal of an archive holding a secret cell in clear (`where`: table.column), for both formats. */
export const secretInClear = (where: string, id?: string) =>
  new AppError(
    'invalid_input',
    `backup ${id ? `${id} is ` : ''}refused: ${where} holds secret material in clear, which no backup writes (a forged archive). Nothing was changed.`,
    id ? { backup_id: id } : undefined,
  );

/** A per-backup key derived from the configured one (HKDF), so no two archives share a data key. */
export function columnKey(secret: string, backupId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, backupId, 'mahavishnu backup secret columns', 32));
}

/** iv ‖ tag ‖ ciphertext, base64; the table and column are bound as associated data. */
export function encryptValue(key: Buffer, where: string, value: string | Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(where));
  const body = Buffer.concat([c.update(typeof value === 'string' ? Buffer.from(value) : value), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

export function decryptValue(key: Buffer, where: string, sealed: string): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(where));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
  } catch {
    throw new AppError(
      'invalid_input',
      `cannot decrypt ${where} in the backup: backup.encryption_key is not the key the backup was made with`,
    );
  }
}

/**
 * A secret cell inside a database image (format 3): the sealed value as text with a prefix no
 * plaintext key has, so a restore tells a sealed cell from one in clear by looking at it.
 */
const SEALED_CELL = 'mahavishnu-sealed:v1:';

export function sealCell(key: Buffer, where: string, value: string | Uint8Array): string {
  const t = typeof value === 'string' ? 's' : 'b';
  return `${SEALED_CELL}${t}:${encryptValue(key, where, typeof value === 'string' ? value : Buffer.from(value))}`;
}

export const isSealedCell = (v: unknown): v is string => typeof v === 'string' && v.startsWith(SEALED_CELL);

/** The plaintext of a sealed cell (text or bytes, as it was), or a refusal naming the key. */
export function openCell(key: Buffer, where: string, cell: string): string | Buffer {
  const t = cell.charAt(SEALED_CELL.length);
  const plain = decryptValue(key, where, cell.slice(SEALED_CELL.length + 2));
  return t === 'b' ? plain : plain.toString('utf8');
}

/** That a sealed cell opens with the key (else the refusal openCell gives); its plaintext is wiped at once. */
export function checkCell(key: Buffer, where: string, cell: string): void {
  decryptValue(key, where, cell.slice(SEALED_CELL.length + 2)).fill(0);
}
