import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryKey, sealEntry } from '../src/core/backup/entry-crypto.js';
import { keyId } from '../src/core/backup/manifest.js';
import { readArchive } from '../src/core/backup/read.js';
import type { Core } from '../src/core/core.js';
import { type Entry, readEntries, rewriteImage, writeEntries } from './helpers/archive.js';
import { backupSettings, ENCRYPTION_KEY, SIGNING_KEY, seed, snapshot } from './helpers/backup.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';

const file = (name: string, data: Buffer): Entry => ({ header: { name, type: 'file', mode: 0o600 }, data });
const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An attacker who holds only backup.signing_key writes an archive with a planted signing key and
 * an extra admin user. Before, it verified and restored. Now every entry must be sealed with the
 * encryption key and secret cells sealed once more: it is refused and nothing changes.
 */
describe('forged and hostile archives are refused before anything is touched', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const archives = tempDir('mahavishnu-forgery-');
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(archives.path)));
    await seed(core);
  });
  afterAll(async () => {
    await cleanup();
    archives.remove();
  });

  /** The restore of `id` is refused with `reason`; the state and the list of backups stay as they were. */
  async function refused(id: string, reason: RegExp) {
    const before = await snapshot(core.db);
    const count = (await core.backups.list()).length;
    const started = performance.now();
    const err = await core.backups.restore(id).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    const ms = performance.now() - started;
    expect(err, 'the restore must be refused').toBeDefined();
    expect(err!.code).toBe('invalid_input');
    expect(err!.message).toMatch(/refused/);
    expect(err!.message).toMatch(reason);
    expect(await snapshot(core.db)).toEqual(before);
    expect((await core.backups.list()).length).toBe(count);
    return ms;
  }

  /** A forged archive of `rows` per table, built from a real backup's manifest and re-signed. */
  async function forge(seal: boolean, encryption: unknown) {
    const real = await core.backups.create({ type: 'full' });
    const m = JSON.parse((await readEntries(real.location))[0]!.data.toString());
    const users = m.tables.find((t: { name: string }) => t.name === 'users');
    const keys = m.tables.find((t: { name: string }) => t.name === 'signing_keys');
    const cell = (cols: string[], values: Record<string, unknown>) => cols.map((c) => values[c] ?? null);
    const plain = {
      'tables/signing_keys/000000.jsonl': Buffer.from(
        `${JSON.stringify([
          cell(keys.columns, {
            kid: 'planted',
            alg: 'EdDSA',
            public_key: '{"kty":"OKP"}',
            private_key: '{"kty":"OKP","d":"attacker"}',
            created_at: Date.now(),
            revoked: 0,
          }),
        ])}\n`,
      ),
      'tables/users/000000.jsonl': Buffer.from(
        `${JSON.stringify([
          cell(users.columns, {
            id: 'u-evil',
            username: 'evil',
            role: 'admin',
            disabled: 0,
            created_at: 1,
            updated_at: 1,
          }),
        ])}\n`,
      ),
    };
    const data: Entry[] = [];
    for (const [name, body] of Object.entries(plain))
      data.push(file(name, seal ? await sealEntry(entryKey(ENCRYPTION_KEY, m.id), m.id, name, body) : body));
    // the older format of rows: still read, so still refused
    m.format_version = 2;
    delete m.image;
    m.encryption = encryption;
    m.tables = m.tables.map((t: { name: string; rows: number; entries: string[] }) =>
      t.name === 'users' || t.name === 'signing_keys'
        ? { ...t, rows: 1, entries: [`tables/${t.name}/000000.jsonl`] }
        : { ...t, rows: 0, entries: [] },
    );
    m.settings = [];
    m.entries = data.map((e) => ({
      name: e.header.name,
      size: e.data.length,
      sha256: digest(e.data),
      plain_size: plain[e.header.name as keyof typeof plain].length,
    }));
    const body = Buffer.from(JSON.stringify(m));
    const sig = createHmac('sha256', SIGNING_KEY).update(body).digest('hex');
    await writeEntries(real.location, [
      file('manifest.json', body),
      file('manifest.sig', Buffer.from(sig)),
      ...data,
    ]);
    return real.id;
  }

  it('plaintext key rows with "encryption": null, re-signed with the signing key', async () => {
    await refused(await forge(false, null), /encryption/);
  });

  it('secret cells in clear, even when the entries are sealed and the manifest claims encryption', async () => {
    const id = await forge(true, {
      algorithm: 'aes-256-gcm',
      compression: 'deflate-raw',
      key_id: keyId(ENCRYPTION_KEY),
      columns: ['signing_keys.private_key'],
    });
    await refused(id, /secret material in clear/);
    await expect(core.backups.verify(id)).rejects.toThrow(/secret material in clear/);
  });

  it('a database image whose key holds its private key in clear, sealed with both keys and re-signed', async () => {
    const real = await core.backups.create({ type: 'full' });
    const keys = { signing: SIGNING_KEY, encryption: ENCRYPTION_KEY };
    await rewriteImage(real.location, keys, join(archives.path, 'forged.db'), (db, m) => {
      expect(m.format_version).toBe(3);
      db.prepare(
        'INSERT INTO signing_keys (kid, alg, public_key, private_key, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run('planted', 'EdDSA', '{"kty":"OKP"}', '{"kty":"OKP","d":"attacker"}', Date.now());
    });
    await refused(real.id, /signing_keys.private_key holds secret material in clear/);
  });

  it('names no table, user or secret in clear: every entry is sealed', async () => {
    const b = await core.backups.create({ type: 'full' });
    const entries = await readEntries(b.location);
    expect(entries[0]!.header.name).toBe('manifest.json');
    for (const e of entries.slice(2)) {
      expect(e.data.includes('alice.a')).toBe(false);
      expect(e.data.includes('very-secret-material')).toBe(false);
    }
  });

  it('reads archives made with older keys from the keyring, and names the key ids it lacks', async () => {
    const b = await core.backups.create({ type: 'full' });
    const limits = { maxBytes: 1 << 30, maxEntries: 1000, maxRatio: 10 };
    const fresh = (k: string) => `${k}-rotated-0123456789abcdef0123456789`;
    const ring = {
      signing: [fresh('sign'), SIGNING_KEY],
      encryption: [fresh('seal'), ENCRYPTION_KEY],
    };
    const ok = await readArchive(createReadStream(b.location), { id: b.id, keys: ring, limits });
    expect(ok.encryptionKey).toBe(ENCRYPTION_KEY);
    await expect(
      readArchive(createReadStream(b.location), {
        id: b.id,
        keys: { signing: ring.signing, encryption: [fresh('seal')] },
        limits,
      }),
    ).rejects.toThrow(new RegExp(`key id ${keyId(ENCRYPTION_KEY)}`));
    await expect(
      readArchive(createReadStream(b.location), {
        id: b.id,
        keys: { ...ring, signing: [fresh('sign')] },
        limits,
      }),
    ).rejects.toThrow(new RegExp(`names signing key id ${keyId(SIGNING_KEY)}`));
  });

  it('a gzip bomb is refused within a second', async () => {
    const id = 'backup_20240101_000000';
    // 64 MiB of zeros per member, 64 members: 4 GiB inflated from about 4 MiB
    const member = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
    const path = join(archives.path, `${id}.tar.gz`);
    writeFileSync(path, member);
    for (let i = 1; i < 64; i++) appendFileSync(path, member);
    const ms = await refused(id, /gzip bomb|max_inflate_ratio/);
    expect(ms).toBeLessThan(1000);
  });

  it('a trailing gzip member, or bytes after the archive, are refused within a second', async () => {
    const a = await core.backups.create({ type: 'full' });
    appendFileSync(a.location, gzipSync(Buffer.from('appended')));
    expect(await refused(a.id, /data follows the end of the archive/)).toBeLessThan(1000);

    const b = await core.backups.create({ type: 'full' });
    appendFileSync(b.location, Buffer.from('trailing bytes gunzip would skip'));
    expect(await refused(b.id, /data follows the end of the archive|corrupt/)).toBeLessThan(1000);

    const c = await core.backups.create({ type: 'full' });
    appendFileSync(c.location, gzipSync(Buffer.alloc(0)));
    expect(await refused(c.id, /data follows the end of the archive/)).toBeLessThan(1000);
  });
});
