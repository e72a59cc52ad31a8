import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MERGED_TABLES } from '../src/core/backup/policy.js';
import { addTables, backupSettings, mutate, PRIVATE_KEY, seed, snapshot } from './helpers/backup.js';
import { type StoreKind, testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';

const shared = tempDir('mahavishnu-backups-');
afterAll(() => shared.remove());

const pairs: [StoreKind, StoreKind][] = [
  ['sqlite', 'sqlite'],
  ['postgres', 'postgres'],
  ['sqlite', 'postgres'],
  ['postgres', 'sqlite'],
];

describe.each(pairs)('backup from %s, restore into %s', (from, to) => {
  it('replaces the state tables exactly, merges keys and users, keeps the live audit chain', async () => {
    const src = await testCore(from, backupSettings(shared.path));
    const dst = from === to ? src : await testCore(to, backupSettings(shared.path));
    try {
      await seed(src.core);
      const before = await snapshot(src.core.db);
      expect(before.audit_log!.length).toBeGreaterThan(0);
      const b = await src.core.backups.create({ type: 'full' });

      // the secret column travels encrypted: the archive never holds the private key in clear
      expect(gunzipSync(readFileSync(b.location)).includes(PRIVATE_KEY)).toBe(false);

      if (dst !== src) {
        await addTables(dst.core.db);
        await seed(dst.core, 'other');
      } else await mutate(src.core);
      const live = await snapshot(dst.core.db);
      expect(live).not.toEqual(before);

      // another installation's backup needs the flag; the key material only on request
      if (dst !== src)
        await expect(dst.core.backups.restore(b.id)).rejects.toThrow(/another installation|allow_other/);
      const r = await dst.core.backups.restore(b.id, { allowOtherInstallation: true, importKeys: true });
      expect(r.replaced).toEqual(expect.arrayContaining(['kv', 'test_pools', 'test_runs']));
      const after = await snapshot(dst.core.db);
      for (const [table, rows] of Object.entries(before))
        if (!MERGED_TABLES.includes(table)) expect(after[table], table).toEqual(rows);
      // keys: the live ones stay as they are; the archive's are imported (import_keys), secret intact
      expect(after.signing_keys).toEqual(
        expect.arrayContaining([...live.signing_keys!, ...before.signing_keys!]),
      );
      const key = await dst.core.db.query<{ private_key: string }>(
        "SELECT private_key FROM signing_keys WHERE kid = 'kid-a'",
      );
      expect(key[0]?.private_key).toBe(PRIVATE_KEY);
      // users: nobody who is live vanishes; the archive's users are all there
      const names = async (db: typeof dst.core.db) =>
        (await db.query<{ username: string }>('SELECT username FROM users')).map((u) => u.username);
      expect(await names(dst.core.db)).toEqual(
        expect.arrayContaining([...(await names(src.core.db)), 'alice.a', 'bob.a']),
      );
      // the audit log: every live record is still there, and the chain verifies and grows on
      expect(after.audit_log).toEqual(expect.arrayContaining(live.audit_log!));
      expect((await dst.core.audit.verify()).ok).toBe(true);
      await dst.core.users.create({ username: 'after.restore', role: 'viewer' });
      expect((await dst.core.audit.verify()).ok).toBe(true);
    } finally {
      if (dst !== src) await dst.cleanup();
      await src.cleanup();
    }
  });
});
