import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const FORMAT = 'mahavishnu-backup';
/**
 * 2: the signed manifest comes first and every entry is sealed (deflate + AES-256-GCM); the
 * tables travel as rows (JSON lines). Still written from PostgreSQL, and read.
 * 3: the same, but the embedded store travels as its database file (`image/` chunks).
 */
export const ROWS_FORMAT = 2;
export const IMAGE_FORMAT = 3;
export const READABLE_FORMATS = [ROWS_FORMAT, IMAGE_FORMAT];
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

export const BACKUP_ID = /^backup_[0-9]{8}_[0-9]{6}(_[0-9]{1,4})?$/;
export const BackupId = z
  .string()
  .regex(BACKUP_ID, 'a backup id looks like backup_20250205_103000 (see backup_list)')
  .describe('Backup id, e.g. backup_20250205_103000 (from backup_list).');

export const BackupType = z.enum(['full', 'safety']);
export type BackupType = z.infer<typeof BackupType>;

export const Manifest = z.strictObject({
  format: z.literal(FORMAT),
  format_version: z.number().int(),
  id: z.string().regex(BACKUP_ID),
  type: BackupType,
  created: z.string(),
  host: z.string(),
  /** The installation (state store) the backup was taken from (see installation.ts). */
  installation: z.string(),
  mahavishnu_version: z.string(),
  schema_version: z.number().int(),
  source_dialect: z.enum(['sqlite', 'postgres']),
  signing_key_id: z.string(),
  /** Every entry is sealed with this key; secret columns are sealed once more, cell by cell. */
  encryption: z.strictObject({
    algorithm: z.literal('aes-256-gcm'),
    compression: z.literal('deflate-raw'),
    key_id: z.string(),
    columns: z.array(z.string()),
  }),
  tables: z.array(
    z.strictObject({
      name: z.string(),
      columns: z.array(z.string()),
      rows: z.number().int(),
      entries: z.array(z.string()),
    }),
  ),
  settings: z.array(z.string()),
  /** Format 3: the database file, cut into `image/` entries of chunk_bytes (the last one shorter). */
  image: z.strictObject({ bytes: z.number().int().min(0), chunk_bytes: z.number().int().min(1) }).optional(),
  /** In archive order; size and sha256 are of the sealed bytes, plain_size of the entry once opened. */
  entries: z.array(
    z.strictObject({
      name: z.string(),
      size: z.number().int().min(0),
      sha256: z.string(),
      plain_size: z.number().int().min(0),
    }),
  ),
});
export type Manifest = z.infer<typeof Manifest>;

/** A short public fingerprint of a key, so errors can say "signed with another key" without showing it. */
export const keyId = (key: string) =>
  createHash('sha256').update(`mahavishnu-key-id\n${key}`).digest('hex').slice(0, 12);

export const sign = (key: string, manifest: Buffer) =>
  createHmac('sha256', key).update(manifest).digest('hex');

export function signatureValid(key: string, manifest: Buffer, signature: string): boolean {
  const want = Buffer.from(sign(key, manifest), 'hex');
  const got = Buffer.from(signature.trim(), 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** backup_YYYYMMDD_HHMMSS in UTC, plus _n when that second is taken. */
export function backupId(at: Date, n = 1): string {
  const p = (v: number) => String(v).padStart(2, '0');
  const base =
    `backup_${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}_` +
    `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return n > 1 ? `${base}_${n}` : base;
}

/** The time a backup id names (archives copied in from elsewhere have no catalog row). */
export function idTime(id: string): number {
  const m = /^backup_(\d{4})(\d\d)(\d\d)_(\d\d)(\d\d)(\d\d)/.exec(id);
  if (!m) return 0;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

export const archiveName = (id: string) => `${id}.tar.gz`;
