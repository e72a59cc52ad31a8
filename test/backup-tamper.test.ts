import { createHash, createHmac } from 'node:crypto';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyId } from '../src/core/backup/manifest.js';
import { type Entry, readEntries, writeEntries } from './helpers/archive.js';
import {
  backupSettings,
  mutate,
  refusedRestore,
  SIGNING_KEY,
  seed,
  seededBackupCore,
  snapshot,
} from './helpers/backup.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';

const MAX_BYTES = 2_000_000;

/**
 * Each damaged or hostile archive is refused with a reason, before anything is touched: the state
 * stays as it was and no safety backup is taken.
 */
describe('a damaged or hostile backup is refused and changes nothing', () => {
  const t = seededBackupCore('mahavishnu-tamper-', { max_restore_bytes: MAX_BYTES });

  /** A fresh backup, damaged by `damage`, then a restore attempt that must fail with `reason`. */
  async function refused(damage: (path: string) => Promise<void> | void, reason: RegExp, intact = false) {
    const b = await t.core.backups.create({ type: 'full' });
    await mutate(t.core);
    await damage(b.location);
    await refusedRestore(t.core, b.id, reason);
    // an intact archive that does not fit this store still verifies; a damaged one does not
    if (intact) await expect(t.core.backups.verify(b.id)).resolves.toMatchObject({ ok: true });
    else await expect(t.core.backups.verify(b.id)).rejects.toThrow(reason);
  }

  /** Rewrite the archive's entries and re-sign the manifest (with the right key unless told). */
  const rewrite =
    (
      fn: (entries: Entry[]) => void,
      opts: { key?: string; manifest?: (m: Record<string, unknown>) => void } = {},
    ) =>
    async (path: string) => {
      const entries = (await readEntries(path)).filter((e) => !e.header.name.startsWith('manifest.'));
      const original = (await readEntries(path)).find((e) => e.header.name === 'manifest.json')!;
      fn(entries);
      const m = JSON.parse(original.data.toString());
      const plain = new Map<string, number>(
        m.entries.map((e: { name: string; plain_size: number }) => [e.name, e.plain_size]),
      );
      m.entries = entries.map((e) => ({
        name: e.header.name,
        size: e.data.length,
        sha256: createHash('sha256').update(e.data).digest('hex'),
        plain_size: plain.get(e.header.name) ?? e.data.length,
      }));
      opts.manifest?.(m);
      const body = Buffer.from(JSON.stringify(m));
      const sig = createHmac('sha256', opts.key ?? SIGNING_KEY)
        .update(body)
        .digest('hex');
      const file = (name: string, data: Buffer): Entry => ({
        header: { name, type: 'file', mode: 0o600 },
        data,
      });
      // the signed manifest first, as backups write it
      await writeEntries(path, [
        file('manifest.json', body),
        file('manifest.sig', Buffer.from(sig)),
        ...entries,
      ]);
    };

  it('one flipped byte', async () => {
    await refused((p) => {
      const buf = readFileSync(p);
      buf[Math.floor(buf.length / 2)]! ^= 0x01;
      writeFileSync(p, buf);
    }, /corrupt|checksum|signature/);
  });

  it('a truncated archive', async () => {
    await refused((p) => truncateSync(p, Math.floor(readFileSync(p).length * 0.6)), /truncated|corrupt/);
  });

  it('a manifest re-signed with another key', async () => {
    const other = 'another-key-of-the-same-length-0123456789';
    await refused(
      rewrite(() => {}, { key: other, manifest: (m) => (m.signing_key_id = keyId(other)) }),
      new RegExp(`names signing key id ${keyId(other)}`),
    );
  });

  it('an unsigned archive', async () => {
    await refused(async (p) => {
      const entries = (await readEntries(p)).filter((e) => e.header.name !== 'manifest.sig');
      await writeEntries(p, entries);
    }, /unsigned/);
  });

  it('an entry with ../ in its name, even when correctly signed', async () => {
    await refused(
      rewrite((es) =>
        es.push({
          header: { name: 'tables/../../escape', type: 'file', mode: 0o600 },
          data: Buffer.from('x'),
        }),
      ),
      /outside the archive/,
    );
  });

  it('a symlink entry', async () => {
    await refused(
      rewrite((es) =>
        es.unshift({
          header: { name: 'settings/link', type: 'symlink', linkname: '/etc/passwd', mode: 0o777 },
          data: Buffer.alloc(0),
        }),
      ),
      /symlink.*only regular files/,
    );
  });

  it('an entry bigger than backup.max_restore_bytes', async () => {
    await refused(
      rewrite((es) =>
        es.push({
          header: { name: 'settings/huge', type: 'file', mode: 0o600 },
          data: Buffer.alloc(MAX_BYTES + 1),
        }),
      ),
      /max_restore_bytes/,
    );
  });

  it('a backup from a newer schema', async () => {
    await refused(
      rewrite(() => {}, { manifest: (m) => (m.schema_version = 9999) }),
      /schema version 9999/,
      true,
    );
  });

  it('rows changed and checksums recomputed, but not re-signed', async () => {
    await refused(async (p) => {
      const sig = (await readEntries(p)).find((e) => e.header.name === 'manifest.sig')!;
      await rewrite((es) => {
        const users = es.find((e) => e.header.name.startsWith('image/'))!;
        users.data = Buffer.from(users.data);
        users.data[20]! ^= 0x01;
      })(p);
      const es = await readEntries(p);
      es.find((e) => e.header.name === 'manifest.sig')!.data = sig.data;
      await writeEntries(p, es);
    }, /signature does not match backup.signing_key: the archive was altered/);
  });
});

/** A restore of rows (format 2, PostgreSQL) reads the archive twice; an image is read once. */
describe('a restore of rows reads the archive it verified', () => {
  it('an archive swapped after it was verified is caught mid-restore, and everything rolls back', async () => {
    const archives = tempDir('mahavishnu-tamper-pg-');
    const { core, cleanup } = await testCore('postgres', backupSettings(archives.path));
    try {
      await seed(core);
      const a = await core.backups.create({ type: 'full' });
      await mutate(core);
      const b = await core.backups.create({ type: 'full' });
      await mutate(core);
      const before = await snapshot(core.db);
      // between the verify pass and the apply pass, someone replaces the archive with another signed one
      const swap = async () => copyFileSync(b.location, a.location);
      await expect(core.backups.restore(a.id, { before: swap })).rejects.toThrow(
        /changed since it was verified/,
      );
      expect(await snapshot(core.db)).toEqual(before);
    } finally {
      await cleanup();
      archives.remove();
    }
  });
});
