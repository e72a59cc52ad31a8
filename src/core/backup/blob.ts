import type { Readable } from 'node:stream';

/** One archive in the blob store, under its final name (so complete by construction). */
export interface BlobInfo {
  name: string;
  size: number;
  modified: number;
}

/**
 * Where archives are kept (a local folder, an S3 bucket). An archive becomes visible under its
 * final name only once it is complete: a local file is written under a temporary name and
 * renamed; an S3 multipart upload exists as an object only after it is completed.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Where the store is, without credentials (e.g. /var/lib/mahavishnu/backups or s3://bucket/prefix/). */
  readonly location: string;
  /** Where one archive is (a path or an s3:// URL). */
  locate(name: string): string;
  /** Stream body to `name`; resolves once it is complete and visible. On error nothing is left visible. */
  put(name: string, body: Readable, signal?: AbortSignal): Promise<{ size: number }>;
  /** Read an archive, or undefined if there is none by that name. */
  get(name: string): Promise<Readable | undefined>;
  stat(name: string): Promise<BlobInfo | undefined>;
  /** Complete archives only. */
  list(): Promise<BlobInfo[]>;
  delete(name: string): Promise<void>;
  /** Remove what an interrupted put of `name` left behind (temporary file, unfinished upload). */
  discardPartial(name: string): Promise<void>;
  /** Throws when the store cannot be reached or written. */
  check(): Promise<string>;
}

export type BlobStoreFactory = (cfg: BlobConfig) => Promise<BlobStore>;

export interface BlobConfig {
  store: 'local' | 's3';
  /** Absolute local folder. */
  dir: string;
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string;
  forcePathStyle: boolean;
  partSizeBytes: number;
}
