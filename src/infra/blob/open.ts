import type { BlobConfig, BlobStore } from '../../core/backup/blob.js';
import { LocalBlobStore } from './local.js';

/** The blob store the settings select. The S3 SDK is loaded only when store is s3 (it is slow to import). */
export async function openBlobStore(cfg: BlobConfig): Promise<BlobStore> {
  if (cfg.store !== 's3') return new LocalBlobStore(cfg.dir);
  const { S3BlobStore } = await import('./s3.js');
  return new S3BlobStore(cfg);
}
