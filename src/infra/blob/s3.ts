import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobConfig, BlobInfo, BlobStore } from '../../core/backup/blob.js';

const FINAL = /^backup_[0-9]{8}_[0-9]{6}(_[0-9]+)?\.tar\.gz$/;

/**
 * Archives in an S3 bucket. Credentials come from the SDK's usual chain (environment, shared
 * config files, instance or task role), never from mahavishnu's settings. A put is a multipart
 * upload: the object does not exist until CompleteMultipartUpload, so a crash leaves only an
 * unfinished upload, which discardPartial aborts.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(private readonly cfg: BlobConfig) {
    this.bucket = cfg.bucket;
    this.prefix = cfg.prefix && !cfg.prefix.endsWith('/') ? `${cfg.prefix}/` : cfg.prefix;
    this.location = `s3://${this.bucket}/${this.prefix}`;
    this.client = new S3Client({
      region: cfg.region,
      forcePathStyle: cfg.forcePathStyle,
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    });
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  locate(name: string): string {
    return `s3://${this.bucket}/${this.key(name)}`;
  }

  async put(name: string, body: Readable, signal?: AbortSignal): Promise<{ size: number }> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(name), Body: body, ContentType: 'application/gzip' },
      partSize: this.cfg.partSizeBytes,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort().catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const s = await this.stat(name);
    if (!s) throw new Error(`upload of ${this.locate(name)} finished but the object is not there`);
    return { size: s.size };
  }

  async get(name: string): Promise<Readable | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return r.Body as Readable;
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      return { name, size: Number(r.ContentLength ?? 0), modified: r.LastModified?.getTime() ?? 0 };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) {
        const name = (o.Key ?? '').slice(this.prefix.length);
        if (FINAL.test(name))
          out.push({ name, size: Number(o.Size ?? 0), modified: o.LastModified?.getTime() ?? 0 });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async delete(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
  }

  /**
   * Abort unfinished multipart uploads of this key. Servers without ListMultipartUploads (some
   * S3-compatible ones) are left to the bucket's AbortIncompleteMultipartUpload lifecycle rule.
   */
  async discardPartial(name: string): Promise<void> {
    let uploads: { Key?: string | undefined; UploadId?: string | undefined }[];
    try {
      uploads =
        (
          await this.client.send(
            new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.key(name) }),
          )
        ).Uploads ?? [];
    } catch (e) {
      if (unsupported(e)) return;
      throw e;
    }
    for (const u of uploads) {
      if (u.Key !== this.key(name) || !u.UploadId) continue;
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
      );
    }
  }

  async check(): Promise<string> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    return `bucket ${this.bucket} answers`;
  }
}

function unsupported(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err.name === 'NotImplemented' || err.name === 'MethodNotAllowed' || err.$metadata?.httpStatusCode === 501
  );
}

function notFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}
