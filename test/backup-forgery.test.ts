import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, createReadStream, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { entryKey, sealEntry } from '../src/core/backup/entry-crypto.js';
import { keyId } from '../src/core/backup/manifest.js';
import { readArchive } from '../src/core/backup/read.js';
import { columnKey, sealCell } from '../src/core/backup/secrets.js';
import { backupVerify } from '../src/tools/backup/verify.js';
import type { AnyTool } from '../src/tools/define.js';
import { drCheck } from '../src/tools/dr/check.js';
import { invoke } from '../src/tools/invoke.js';
import { type Entry, readEntries, rewriteImage, writeEntries } from './helpers/archive.js';
import { ENCRYPTION_KEY, refusedRestore, SIGNING_KEY, seededBackupCore } from './helpers/backup.js';
import { admin } from './helpers/core.js';

const file = (name: string, data: Buffer): Entry => ({ header: { name, type: 'file', mode: 0o600 }, data });
const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An attacker who holds only backup.signing_key writes an archive with a planted signing key and
 * an extra admin user. Before, it verified and restored. Now every entry must be sealed with the
 * encryption key and secret cells sealed once more: it is refused and nothing changes.
 */
describe('forged and hostile archives are refused before anything is touched', () => {
  const setup = seededBackupCore('mahavishnu-forgery-');
  const refused = (id: string, reason: RegExp | string) => refusedRestore(setup.core, id, reason);
  const call = <T extends AnyTool>(tool: T, input: Record<string, unknown>) =>
    invoke(tool, input, { core: setup.core, principal: admin });
  /** What a restore and a verify both say of an archive with a secret cell in clear, whatever its format. */
  const inClear = (id: string) =>
    `backup ${id} is refused: signing_keys.private_key holds secret material in clear, which no backup writes (a forged archive). Nothing was changed.`;
  /** The files a verify of an image writes in the data folder (none once it is done). */
  const verifyFiles = () =>
    readdirSync(dirname(setup.core.db.file!.path)).filter((f) => f.includes('.verify-'));

  /** A forged archive of `rows` per table, built from a real backup's manifest and re-signed. */
  async function forge(seal: boolean, encryption: unknown) {
    const real = await setup.core.backups.create({ type: 'full' });
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
    await refused(id, inClear(id));
    await expect(setup.core.backups.verify(id)).rejects.toThrow(inClear(id));
  });

  /**
   * A real archive of the embedded store (format 3) with a signing key planted in its image (its
   * private key in clear unless `privateKey` gives another cell), sealed with both keys, re-signed.
   */
  async function forgeImage(privateKey = (_id: string) => '{"kty":"OKP","d":"attacker"}'): Promise<string> {
    const real = await setup.core.backups.create({ type: 'full' });
    const keys = { signing: SIGNING_KEY, encryption: ENCRYPTION_KEY };
    await rewriteImage(real.location, keys, join(setup.archives, `${real.id}.db`), (db, m) => {
      expect(m.format_version).toBe(3);
      db.prepare(
        'INSERT INTO signing_keys (kid, alg, public_key, private_key, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run('planted', 'EdDSA', '{"kty":"OKP"}', privateKey(real.id), Date.now());
    });
    return real.id;
  }

  it('a database image whose key holds its private key in clear, sealed with both keys and re-signed', async () => {
    const id = await forgeImage();
    await refused(id, inClear(id));
  });

  it('a verify of that image says what its restore says, is recorded as not verified, and dr check sees it', async () => {
    const id = await forgeImage();
    await expect(call(backupVerify, { backup_id: id })).rejects.toThrow(inClear(id));
    expect((await setup.core.backups.list()).find((b) => b.id === id)?.verified_ok).toBe(false);
    expect(verifyFiles()).toEqual([]);
    const dr = await call(drCheck, { level: 'verify' });
    expect(dr).toMatchObject({ ok: false, backup_id: id });
    expect(dr.levels.at(-1)).toMatchObject({ level: 'verify', ok: false, message: inClear(id) });
    await refused(id, inClear(id));
    expect(verifyFiles()).toEqual([]);
  });

  it('a verify of an image opens each secret cell as a restore does: one sealed with another key is refused', async () => {
    const other = 'another-encryption-key-0123456789abcdef';
    const id = await forgeImage((id) =>
      sealCell(columnKey(other, id), 'signing_keys.private_key', '{"d":"x"}'),
    );
    const said = 'cannot decrypt signing_keys.private_key in the backup';
    await expect(setup.core.backups.restore(id)).rejects.toThrow(said);
    await expect(call(backupVerify, { backup_id: id })).rejects.toThrow(said);
    expect((await setup.core.backups.list()).find((b) => b.id === id)?.verified_ok).toBe(false);
  });

  it('a verify of a real image checks its secret cells in a file of its own, removed after, also when cancelled', async () => {
    const b = await setup.core.backups.create({ type: 'full' });
    await expect(call(backupVerify, { backup_id: b.id })).resolves.toMatchObject({ ok: true });
    expect(verifyFiles()).toEqual([]);
    const stop = new AbortController();
    let during: string[] = [];
    const checking = (_done: number, _total: number, message: string) => {
      if (!message.includes('secret cells')) return;
      during = verifyFiles();
      stop.abort();
    };
    await expect(setup.core.backups.verify(b.id, checking, { signal: stop.signal })).rejects.toThrow(
      /cancelled/,
    );
    expect(during).toHaveLength(1);
    expect(verifyFiles()).toEqual([]);
  });

  it('names no table, user or secret in clear: every entry is sealed', async () => {
    const b = await setup.core.backups.create({ type: 'full' });
    const entries = await readEntries(b.location);
    expect(entries[0]!.header.name).toBe('manifest.json');
    for (const e of entries.slice(2)) {
      expect(e.data.includes('alice.a')).toBe(false);
      expect(e.data.includes('very-secret-material')).toBe(false);
    }
  });

  it('reads archives made with older keys from the keyring, and names the key ids it lacks', async () => {
    const b = await setup.core.backups.create({ type: 'full' });
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
    const path = join(setup.archives, `${id}.tar.gz`);
    writeFileSync(path, member);
    for (let i = 1; i < 64; i++) appendFileSync(path, member);
    const ms = await refused(id, /gzip bomb|max_inflate_ratio/);
    expect(ms).toBeLessThan(1000);
  });

  it('a trailing gzip member, or bytes after the archive, are refused within a second', async () => {
    const a = await setup.core.backups.create({ type: 'full' });
    appendFileSync(a.location, gzipSync(Buffer.from('appended')));
    expect(await refused(a.id, /data follows the end of the archive/)).toBeLessThan(1000);

    const b = await setup.core.backups.create({ type: 'full' });
    appendFileSync(b.location, Buffer.from('trailing bytes gunzip would skip'));
    expect(await refused(b.id, /data follows the end of the archive|corrupt/)).toBeLessThan(1000);

    const c = await setup.core.backups.create({ type: 'full' });
    appendFileSync(c.location, gzipSync(Buffer.alloc(0)));
    expect(await refused(c.id, /data follows the end of the archive/)).toBeLessThan(1000);
  });
});
