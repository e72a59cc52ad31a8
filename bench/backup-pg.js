// Backup restore into PostgreSQL against `psql \copy` of the same rows, in the same run.
// Usage: npm run build && node bench/backup-pg.js [--mb 200] [--rounds 1]
// Needs the PostgreSQL at MAHAVISHNU_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test,
// trust auth); a fresh database is made for the run and dropped after. MB/s are of store data (the
// kv table's size in PostgreSQL, indexes and TOAST included). The restore is core.backups.restore:
// the verifying read, then the archive read again into one transaction that replaces the tables
// (COPY per entry); with the safety backup, a full backup of the live store first. The baseline
// replaces kv the quickest way PostgreSQL offers: `psql -1 -c 'DELETE FROM kv' -c '\copy kv FROM
// <file>'` of the same rows in COPY text. Rounds alternate the sides; each figure is the median.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openCore } from '../dist/compose/open-core.js';
import { ConfigSchema } from '../dist/core/config/schema.js';
import { alternate, arg, jsonDocs, machineNote, table } from './lib.js';

const MB = arg('mb', 200);
const ROUNDS = arg('rounds', 1);
const ADMIN = process.env.MAHAVISHNU_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `mv_bench_${randomBytes(6).toString('hex')}`;
const admin = postgres(ADMIN, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN);
url.pathname = `/${name}`;
const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-pg-'));
const config = ConfigSchema.parse({
  data: { dir },
  database: { url: url.toString() },
  log: { level: 'silent' },
  backup: { signing_key: randomBytes(32).toString('hex'), encryption_key: randomBytes(32).toString('hex') },
});
const core = await openCore({ loaded: { config, sources: [], dir } });

try {
  // the rows of bench/backup.js
  const doc = jsonDocs();
  const rows = Math.ceil((MB * 1024 * 1024) / (doc(0).length + 40));
  // the rows as COPY text (the documents hold no tab, newline or backslash): loaded, then the baseline's input
  const file = join(dir, 'kv.copy');
  const out = openSync(file, 'w');
  for (let i = 0; i < rows; i += 2000) {
    let text = '';
    for (let j = i; j < Math.min(rows, i + 2000); j++) text += `row-${j}\t${doc(j)}\t${j}\n`;
    writeSync(out, text);
  }
  closeSync(out);
  const psql = (...cmds) =>
    execFileSync('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-1',
      ...cmds.flatMap((c) => ['-c', c]),
      url.toString(),
    ]);
  const copy = () => psql('DELETE FROM kv', `\\copy kv FROM '${file}'`);
  copy();
  await core.db.exec('VACUUM ANALYZE kv');
  const [{ bytes }] = await core.db.query("SELECT pg_total_relation_size('kv')::bigint AS bytes");
  const dataMB = Number(bytes) / 1024 / 1024;
  const id = (await core.backups.create({ type: 'full' })).id;

  const rate = async (fn) => {
    const t = performance.now();
    await fn();
    return dataMB / ((performance.now() - t) / 1000);
  };
  const phases = {};
  const restore = (safety) => () =>
    rate(async () => {
      const r = await core.backups.restore(id, { safety });
      phases[safety ? 'with' : 'without'] = r.seconds;
      if (r.safety) {
        const s = await r.safety.sealed;
        phases.safety_s = s.duration_seconds;
        phases.safety_mb = s.size_bytes / 1024 / 1024;
      }
    });
  const baseline = () => rate(copy);
  const count = async () => Number((await core.db.query('SELECT count(*) AS n FROM kv'))[0].n);

  console.log(machineNote());
  console.log(
    `store: kv ${dataMB.toFixed(1)} MB in PostgreSQL (${rows} rows of JSON; COPY text ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB), rounds: ${ROUNDS}`,
  );
  const [oursS, oursN, base] = await alternate(ROUNDS, restore(true), restore(false), baseline);
  if ((await count()) !== rows) throw new Error(`kv holds ${await count()} rows, not ${rows}`);
  const archiveMB = (await core.backups.list()).find((b) => b.id === id).size_bytes / 1024 / 1024;

  table(`backup restore into PostgreSQL, ${dataMB.toFixed(0)} MB of kv, MB/s of store data`, [
    ['restore, verify + safety backup (vs psql \\copy)', oursS, base, undefined, 'MB/s'],
    ['restore, verify, no safety backup (vs psql \\copy)', oursN, base, undefined, 'MB/s'],
  ]);
  console.log(
    `\nof the last rounds: restore ${phases.with?.toFixed(2)} s with its safety backup (${phases.safety_s?.toFixed(2)} s of it, ` +
      `${phases.safety_mb?.toFixed(1)} MB), ${phases.without?.toFixed(2)} s without; archive ${archiveMB.toFixed(1)} MB`,
  );
} finally {
  await core.close();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
