// Backup create and restore throughput against `tar czf` / `tar xzf` of the same data, in the same run.
// Usage: npm run build && node bench/backup.js [--mb 200] [--rounds 1]
// MB/s are of store data (the SQLite file's size). The restore is the whole of `backup restore`:
// one verifying read into a fresh database file, merge, swap, and the safety backup (the file it
// replaced, renamed and synced before the call returns, then sealed into its archive: in the
// serving process after the call returned, or, from the CLI, by a sealer process of its own after
// the CLI exited); tar xzf unpacks an archive of the same database file. The CLI row is the
// runbook's `mahavishnu backup restore <id> --yes` as a process, start to exit, with the server
// stopped (the restored file is renamed into place) and, once, with the file held open by another
// process, as a running server holds it (the restored state is copied into the file). Rounds alternate the sides; each figure is the median of its rounds.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore } from '../dist/compose/open-core.js';
import { ConfigSchema } from '../dist/core/config/schema.js';
import { alternate, arg, jsonDocs, machineNote, table } from './lib.js';

const MB = arg('mb', 200);
const ROUNDS = arg('rounds', 1);
const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-'));
const config = ConfigSchema.parse({
  data: { dir },
  log: { level: 'silent' },
  backup: { signing_key: randomBytes(32).toString('hex'), encryption_key: randomBytes(32).toString('hex') },
});
const core = await openCore({ loaded: { config, sources: [], dir } });

const doc = jsonDocs();
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
const rate = async (fn) => {
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 20);
  const t = performance.now();
  await fn();
  clearInterval(sampler);
  return dataMB / ((performance.now() - t) / 1000);
};
const tarFile = join(dir, 'baseline.tar.gz');
const out = join(dir, 'x');
mkdirSync(out, { recursive: true });
const tarCreate = () => rate(() => execFileSync('tar', ['czf', tarFile, '-C', dir, 'mahavishnu.db']));
const tarExtract = () => rate(() => execFileSync('tar', ['xzf', tarFile, '-C', out]));

let id;
const phases = {};
const create = () =>
  rate(async () => {
    id = (await core.backups.create({ type: 'full' })).id;
  });
// what backup_restore does: verify, apply, safety backup of the state it replaced
// (the embedded store seals its safety backup after the restore returned: `sealed` is the time
// until that archive is complete too)
const restore = async () => {
  const t = performance.now();
  let sealed;
  const returned = await rate(async () => {
    const r = await core.backups.restore(id, { safety: true });
    phases.restore_s = r.seconds;
    sealed = r.safety.sealed;
  });
  const s = await sealed;
  phases.safety_s = s.duration_seconds;
  phases.safety_mb = s.size_bytes / 1024 / 1024;
  return { returned, sealed: dataMB / ((performance.now() - t) / 1000) };
  // (sealing starts as the restore returns: returned + safety_s is about the time until sealed)
};

// the runbook's command, as a process (with the bench's core open, as a server, or closed); its
// sealer goes on after it exited, and is waited for before the next round
const env = {
  ...process.env,
  MAHAVISHNU_DATA__DIR: dir,
  MAHAVISHNU_CONFIG_DIR: join(dir, 'settings'),
  MAHAVISHNU_LOG__LEVEL: 'warn',
  MAHAVISHNU_BACKUP__SIGNING_KEY: config.backup.signing_key,
  MAHAVISHNU_BACKUP__ENCRYPTION_KEY: config.backup.encryption_key,
};
const bin = new URL('../bin/mahavishnu.js', import.meta.url).pathname;
const sealing = () => readdirSync(dir).some((f) => /^\.safety-\d+-\d+\.db$/.test(f));
const cliRestore = async () => {
  const t = performance.now();
  await new Promise((done, fail) =>
    execFile(process.execPath, [bin, 'backup', 'restore', id, '--yes'], { env }, (e) =>
      e ? fail(e) : done(),
    ),
  );
  const exited = dataMB / ((performance.now() - t) / 1000);
  while (sealing()) await new Promise((r) => setTimeout(r, 20));
  return { exited, sealed: dataMB / ((performance.now() - t) / 1000) };
};

console.log(machineNote());
console.log(`store: ${dataMB.toFixed(1)} MB (${rows} rows of JSON), rounds: ${ROUNDS}`);
const [oursC, tarC] = await alternate(ROUNDS, create, tarCreate);
const [oursX, tarX] = await alternate(ROUNDS, restore, tarExtract);
const archiveMB = (await core.backups.list()).find((b) => b.id === id).size_bytes / 1024 / 1024;
const tarMB = statSync(tarFile).size / 1024 / 1024;
// the bench's core still has the file open, as a running server would: the copy path
const [oursHeld, tarHeld] = await alternate(ROUNDS, cliRestore, tarExtract);
await core.close();
const [oursCli, tarCli] = await alternate(ROUNDS, cliRestore, tarExtract);
rmSync(dir, { recursive: true, force: true });

table(`backup of a ${dataMB.toFixed(0)} MB SQLite store, MB/s of store data`, [
  ['backup create (vs tar czf of the database file)', oursC, tarC, 1.5, 'MB/s'],
  ['backup restore incl. verify + safety backup (vs tar xzf)', oursX.returned, tarX, 0.9, 'MB/s'],
  ['  … until its safety archive is sealed too (vs tar xzf)', oursX.sealed, tarX, undefined, 'MB/s'],
  ['`mahavishnu backup restore` start to exit (vs tar xzf)', oursCli.exited, tarCli, 0.9, 'MB/s'],
  ['  … until its sealer sealed the safety archive (vs tar xzf)', oursCli.sealed, tarCli, undefined, 'MB/s'],
  ['  … while a server holds the file (copied in, vs tar xzf)', oursHeld.exited, tarHeld, undefined, 'MB/s'],
]);
console.log(
  `\nof the last restore: safety backup ${phases.safety_s?.toFixed(2)} s of ${(phases.restore_s + phases.safety_s).toFixed(2)} s ` +
    `(the restore returned after ${phases.restore_s?.toFixed(2)} s, the safety archive was sealed after it); ` +
    `archive ${archiveMB.toFixed(1)} MB (safety ${phases.safety_mb?.toFixed(1)} MB), tar.gz ${tarMB.toFixed(1)} MB; ` +
    `peak RSS growth ${(peak / 1024 / 1024).toFixed(0)} MB`,
);
