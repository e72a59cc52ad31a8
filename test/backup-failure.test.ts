import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { backupSettings, seed } from './helpers/backup.js';
import { testCore } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

it('a backup that cannot be written fails cleanly: nothing listed, marked failed, the store keeps working', async () => {
  // the backup folder is a file: the upload fails while the dump is producing data
  const folder = join(tmp.path, 'not-a-folder');
  writeFileSync(folder, '');
  const { core, cleanup } = await testCore('sqlite', backupSettings(folder));
  try {
    await seed(core);
    // incompressible rows, more than the stream buffers hold, so the producer is mid-dump when the write fails
    for (let i = 0; i < 20; i++)
      await core.db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', [
        `big-${i}`,
        randomBytes(300_000).toString('base64'),
        i,
      ]);
    const err = await core.backups.create({ type: 'full' }).catch((e: Error & { code?: string }) => e);
    expect(err).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/failed and was discarded/),
    });
    expect(await core.backups.list()).toEqual([]);
    const [row] = await core.backups.catalog.all();
    expect(row).toMatchObject({ status: 'failed' });
    // the dump's transaction has ended: the store answers and takes writes
    await core.users.create({ username: 'still.writable', role: 'viewer' });
  } finally {
    await cleanup();
  }
});
