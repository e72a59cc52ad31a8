import { createHash, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGunzip, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { entryKey, openEntry, sealEntry } from '../../src/core/backup/entry-crypto.js';

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

/**
 * Open the database image of an archive (format 3) as a file, let `change` alter it and its
 * manifest, then seal it again as one entry and re-sign: what someone holding both keys can do.
 */
export async function rewriteImage(
  path: string,
  keys: { signing: string; encryption: string },
  file: string,
  change: (db: Database.Database, manifest: Record<string, unknown>) => void,
): Promise<void> {
  const entries = await readEntries(path);
  const m = JSON.parse(entries[0]!.data.toString());
  const key = entryKey(keys.encryption, m.id);
  const parts: Buffer[] = [];
  for (const e of entries.filter((x) => x.header.name.startsWith('image/'))) {
    const plain = m.entries.find((x: { name: string }) => x.name === e.header.name).plain_size;
    parts.push((await openEntry(key, m.id, e.header.name, e.data, plain))!);
  }
  writeFileSync(file, Buffer.concat(parts));
  const db = new Database(file);
  change(db, m);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const body = readFileSync(file);
  const image = await sealEntry(key, m.id, 'image/000000', body);
  const digest = createHash('sha256').update(image).digest('hex');
  m.entries = [{ name: 'image/000000', size: image.length, sha256: digest, plain_size: body.length }];
  m.image = { bytes: body.length, chunk_bytes: body.length };
  m.settings = [];
  const manifest = Buffer.from(JSON.stringify(m));
  const entry = (name: string, data: Buffer): Entry => ({
    header: { name, type: 'file', mode: 0o600 },
    data,
  });
  await writeEntries(path, [
    entry('manifest.json', manifest),
    entry('manifest.sig', Buffer.from(createHmac('sha256', keys.signing).update(manifest).digest('hex'))),
    entry('image/000000', image),
  ]);
}
