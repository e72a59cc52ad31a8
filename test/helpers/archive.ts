import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGunzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface Entry {
  header: Partial<tar.Header> & { name: string };
  data: Buffer;
}

export async function readEntries(path: string): Promise<Entry[]> {
  const extract = tar.extract();
  Readable.from(readFileSync(path)).pipe(createGunzip()).pipe(extract);
  const out: Entry[] = [];
  for await (const e of extract) out.push({ header: { ...e.header }, data: await buffer(e) });
  return out;
}

export async function writeEntries(path: string, entries: Entry[]): Promise<void> {
  const pack = tar.pack();
  const done = buffer(pack);
  for (const e of entries) {
    await new Promise<void>((res, rej) =>
      e.header.type === 'symlink'
        ? pack.entry({ ...e.header, size: 0 }, (err) => (err ? rej(err) : res()))
        : pack.entry({ ...e.header, size: e.data.length }, e.data, (err) => (err ? rej(err) : res())),
    );
  }
  pack.finalize();
  writeFileSync(path, gzipSync(await done));
}
