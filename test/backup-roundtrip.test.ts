import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
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
  it('restores exactly the backed-up state: users, pools, runs, keys, kv and the audit chain', async () => {
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
      expect(await snapshot(dst.core.db)).not.toEqual(before);

      const r = await dst.core.backups.restore(b.id);
      expect(r.rows).toBe(Object.values(before).reduce((a, rows) => a + rows.length, 0));
      expect(await snapshot(dst.core.db)).toEqual(before);
      expect((await dst.core.audit.verify()).ok).toBe(true);
      // the restored chain keeps growing
      await dst.core.users.create({ username: 'after.restore', role: 'viewer' });
      expect((await dst.core.audit.verify()).ok).toBe(true);
    } finally {
      if (dst !== src) await dst.cleanup();
      await src.cleanup();
    }
  });
});
