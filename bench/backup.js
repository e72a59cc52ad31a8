// Backup create and restore throughput against `tar czf` / `tar xzf` of the same data, in the same run.
// Usage: npm run build && node bench/backup.js [megabytes=64]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore } from '../dist/compose/open-core.js';
import { ConfigSchema } from '../dist/core/config/schema.js';

const MB = Number(process.argv[2] ?? 64);
const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-'));
const config = ConfigSchema.parse({
  data: { dir },
  log: { level: 'silent' },
  backup: { signing_key: randomBytes(32).toString('hex') },
});
const core = await openCore({ loaded: { config, sources: [], dir } });

// rows like real state: JSON documents with repeated keys and some entropy (compress ~3-4x)
const words = Array.from({ length: 512 }, () => randomBytes(4).toString('hex'));
const doc = (i) =>
  JSON.stringify({
    id: i,
    pool: `pool-${i % 17}`,
    state: ['queued', 'running', 'done'][i % 3],
    text: Array.from({ length: 40 }, (_, k) => words[(i * 31 + k * 7) % words.length]).join(' '),
    nonce: randomBytes(8).toString('hex'),
  });
const rowBytes = doc(0).length + 40;
const rows = Math.ceil((MB * 1024 * 1024) / rowBytes);
await core.db.tx(async (t) => {
  for (let i = 0; i < rows; i += 500) {
    const n = Math.min(500, rows - i);
    const ph = Array.from({ length: n }, (_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`).join(
      ', ',
    );
    const params = Array.from({ length: n }, (_, j) => [`row-${i + j}`, doc(i + j), i + j]).flat();
    await t.query(`INSERT INTO kv (key, value, updated_at) VALUES ${ph}`, params);
  }
});
await core.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
const dbFile = join(dir, 'mahavishnu.db');
const dataMB = statSync(dbFile).size / 1024 / 1024;

const base = process.memoryUsage().rss;
let peak = 0;
const time = async (fn) => {
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 20);
  const t = performance.now();
  await fn();
  clearInterval(sampler);
  return (performance.now() - t) / 1000;
};
const tarFile = join(dir, 'baseline.tar.gz');
const tarC = await time(() => execFileSync('tar', ['czf', tarFile, '-C', dir, 'mahavishnu.db']));
const out = join(dir, 'x');
execFileSync('mkdir', ['-p', out]);
const tarX = await time(() => execFileSync('tar', ['xzf', tarFile, '-C', out]));

let id;
const ours = await time(async () => {
  id = (await core.backups.create({ type: 'full' })).id;
});
const back = await time(() => core.backups.restore(id));
const size = (await core.backups.list()).find((b) => b.id === id).size_bytes / 1024 / 1024;
const tarBytes = statSync(tarFile).size;
await core.close();
rmSync(dir, { recursive: true, force: true });

const r = (x) => Math.round(x * 100) / 100;
const result = {
  data_mb: r(dataMB),
  rows,
  create: { ours_mb_s: r(dataMB / ours), tar_czf_mb_s: r(dataMB / tarC), ratio: r(tarC / ours) },
  restore: { ours_mb_s: r(dataMB / back), tar_xzf_mb_s: r(dataMB / tarX), ratio: r(tarX / back) },
  archive_mb: r(size),
  tar_archive_mb: r(tarBytes / 1024 / 1024),
  peak_rss_growth_mb: r(peak / 1024 / 1024),
  goal_ratio: 0.9,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
