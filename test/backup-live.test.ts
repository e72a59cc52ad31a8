import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSettings } from './helpers/backup.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

const TARGET_BYTES = 110 * 1024 * 1024;

/**
 * On the embedded store the dump used to hold SQLite's write lock (BEGIN IMMEDIATE) for its whole
 * length: writes waited seconds and the probes froze. It now reads a snapshot on a connection of
 * its own, so both keep answering while a backup of a store over 100 MB runs.
 */
describe('writes and /ready during a backup of a >100 MB embedded store', () => {
  let t: TestServer;
  const archives = tempDir('mahavishnu-live-');
  beforeAll(async () => {
    t = await startTestServer(backupSettings(archives.path));
    // a first, small backup loads the archive code (tar, zlib) once, as any long-running server has
    await t.core.backups.create({ type: 'full' });
    // and the test's own HTTP client loads on its first fetch (undici): not the server's time
    expect((await fetch(`${t.url}/ready`)).status).toBe(200);
    await t.core.db.exec('CREATE TABLE test_bulk (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const row = 8192;
    const perTx = 500;
    for (let id = 0; id * row < TARGET_BYTES; ) {
      await t.core.db.tx(async (tx) => {
        for (let i = 0; i < perTx; i++, id++)
          await tx.query('INSERT INTO test_bulk (id, body) VALUES ($1, $2)', [
            id,
            randomBytes(row / 2).toString('hex'),
          ]);
      });
    }
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    archives.remove();
  });

  it('each write and each /ready answers within 200 ms while the backup runs', async () => {
    const size = (
      await t.core.db.query<{ n: number }>(
        'SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()',
      )
    )[0]!.n;
    expect(Number(size)).toBeGreaterThan(100 * 1024 * 1024);

    let running = true;
    // sampled from the dump's first page (it holds its snapshot from then to the end)
    let dumping!: () => void;
    const started = new Promise<void>((r) => (dumping = r));
    const backup = t.core.backups.create({ type: 'full', progress: () => dumping() }).finally(() => {
      running = false;
    });
    await started;
    const writes: number[] = [];
    const probes: number[] = [];
    let n = 0;
    while (running) {
      const w = performance.now();
      await t.core.db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', [
        `during-backup-${n++}`,
        'x',
        Date.now(),
      ]);
      writes.push(performance.now() - w);
      const p = performance.now();
      const ready = await fetch(`${t.url}/ready`);
      probes.push(performance.now() - p);
      expect(ready.status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    const b = await backup;
    expect(b.rows).toBeGreaterThan(13_000);
    // the backup ran long enough for the loop to sample it many times
    expect(writes.length).toBeGreaterThan(10);
    expect(Math.max(...writes), `write latencies ${writes.map(Math.round).join(',')}`).toBeLessThan(200);
    expect(Math.max(...probes), `/ready latencies ${probes.map(Math.round).join(',')}`).toBeLessThan(200);
    // the writes made during the dump are not in it (a snapshot), and they are in the store
    const kept = await t.core.db.query("SELECT COUNT(*) AS n FROM kv WHERE key LIKE 'during-backup-%'");
    expect(Number((kept[0] as { n: number }).n)).toBe(n);
  }, 180_000);
});
