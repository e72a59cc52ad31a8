import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore } from '../../core/backup/blob.js';

const FINAL = /^backup_[0-9]{8}_[0-9]{6}(_[0-9]+)?\.tar\.gz$/;

/** Archives in a local folder; a put writes `.<name>.partial-<pid>` and renames it when complete. */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly location: string;

  constructor(dir: string) {
    this.location = resolve(dir);
  }

  locate(name: string): string {
    return join(this.location, name);
  }

  private partial(name: string): string {
    return join(this.location, `.${name}.partial-${process.pid}`);
  }

  async put(name: string, body: Readable, signal?: AbortSignal): Promise<{ size: number }> {
    await mkdir(this.location, { recursive: true });
    const tmp = this.partial(name);
    try {
      await pipeline(
        body,
        createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
        ...(signal ? [{ signal }] : []),
      );
      // durable before it becomes visible: fsync the file, rename, fsync the folder
      const fh = await open(tmp, 'r+');
      await fh.sync();
      await fh.close();
      await rename(tmp, this.locate(name));
      const dh = await open(this.location, 'r');
      await dh.sync().catch(() => {});
      await dh.close();
      return { size: (await stat(this.locate(name))).size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async get(name: string): Promise<Readable | undefined> {
    if (!(await this.stat(name))) return undefined;
    return createReadStream(this.locate(name), { highWaterMark: 1 << 20 });
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.locate(name));
      return s.isFile() ? { name, size: s.size, modified: s.mtimeMs } : undefined;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<BlobInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch {
      return [];
    }
    const out: BlobInfo[] = [];
    for (const n of names.filter((x) => FINAL.test(x))) {
      const s = await this.stat(n);
      if (s) out.push(s);
    }
    return out;
  }

  async delete(name: string): Promise<void> {
    await unlink(this.locate(name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async discardPartial(name: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch {
      return;
    }
    for (const n of names)
      if (n.startsWith(`.${name}.partial-`)) await rm(join(this.location, n), { force: true });
  }

  async check(): Promise<string> {
    await mkdir(this.location, { recursive: true });
    const probe = join(this.location, `.probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return `folder ${this.location} is writable`;
  }
}
