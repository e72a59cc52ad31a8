#!/usr/bin/env node
/**
 * Pool throughput against its baseline, in one run: N steps of a trivial command (`true`) through
 * a pool of 2 worker processes, versus spawning the same command directly with concurrency 2; and
 * the time from `pool spawn` to all workers ready. Needs `npm run build` first.
 *
 * Then, on PostgreSQL (MAHAVISHNU_BENCH_PG, default postgres://postgres@127.0.0.1:5432/test; a fresh
 * database is made and dropped), the same N steps through a pool of 4 workers run by one host
 * (this process) against the same pool split between two hosts (this process and a
 * `mahavishnu worker --pool` child, 2 + 2 slots), in the same run, and the ratio two/one.
 * MAHAVISHNU_BENCH_PG=off skips that part.
 *
 *   node bench/pools.js [steps=500] [rounds=3]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { openCore } from '../dist/compose/open-core.js';
import { ConfigSchema } from '../dist/core/config/schema.js';
import { startPools } from '../dist/core/pools/start.js';

// plain numbers only: `npm run bench -- --seconds 1` passes its flags to every benchmark
const num = (v, d) => (/^\d+$/.test(v ?? '') ? Number(v) : d);
const N = num(process.argv[2], 500);
const ROUNDS = num(process.argv[3], 3);
const CONCURRENCY = 2;

function runOnce() {
  return new Promise((resolve, reject) => {
    const p = spawn('true', [], { stdio: 'ignore', shell: false });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

async function direct(n) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) await runOnce();
    }),
  );
  return n / ((performance.now() - t) / 1000);
}

async function viaPool(core, round, n, name = `bench${round}`, size = CONCURRENCY, before = async () => {}) {
  // desired 0 while the queue is filled, so the measured span is pure execution
  await core.pools.spawn({ name, type: 'mahavishnu', min: 0, max: size, autoscale: false });
  await before(name);
  for (let i = 0; i < n; i++)
    await core.workflows.run(
      { command: ['true'], pool: name, params: {}, timeout_ms: 10_000, retries: 0 },
      'bench',
    );
  const t = performance.now();
  await core.pools.scale(name, size);
  const poolId = (await core.pools.store.find(name)).id;
  for (;;) {
    const [r] = await core.db.query(
      "SELECT COUNT(*) AS c FROM workflow_steps WHERE pool_id = $1 AND state IN ('queued', 'running')",
      [poolId],
    );
    if (Number(r.c) === 0) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const wall = (performance.now() - t) / 1000;
  const [span] = await core.db.query(
    "SELECT MIN(started_at) AS a, MAX(finished_at) AS b, SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END) AS ok FROM workflow_steps WHERE pool_id = $1",
    [poolId],
  );
  if (Number(span.ok) !== n) throw new Error(`only ${span.ok} of ${n} steps succeeded`);
  // each host reports its count at its next pass
  let members = [];
  for (const until = Date.now() + 3000; Date.now() < until; await new Promise((ok) => setTimeout(ok, 100))) {
    members = await core.pools.store.members(poolId, 60_000);
    if (members.reduce((a, m) => a + m.steps_done, 0) >= n) break;
  }
  await core.pools.close(name, false);
  return {
    rate: n / ((Number(span.b) - Number(span.a)) / 1000),
    wallRate: n / wall,
    perHost: members.map((m) => m.steps_done),
  };
}

async function readyTime(core, round) {
  const t = performance.now();
  const p = await core.pools.spawn({
    name: `ready${round}`,
    type: 'mahavishnu',
    min: CONCURRENCY,
    max: CONCURRENCY,
    autoscale: false,
  });
  const ms = performance.now() - t;
  if (p.workers.idle !== CONCURRENCY) throw new Error(`spawn returned with ${p.workers.idle} idle workers`);
  await core.pools.close(p.id, false);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-'));
const config = ConfigSchema.parse({
  data: { dir },
  log: { level: 'warn' },
  workflows: { dir: join(dir, 'workflows'), adhoc_executables: ['true'] },
});
const core = await openCore({ loaded: { config, sources: [], dir } });
try {
  await startPools(core);
  await direct(50); // warm up
  const d = [];
  const p = [];
  const pw = [];
  const ready = [];
  for (let r = 0; r < ROUNDS; r++) {
    d.push(await direct(N));
    const res = await viaPool(core, r, N);
    p.push(res.rate);
    pw.push(res.wallRate);
    ready.push(await readyTime(core, r));
  }
  const out = {
    steps: N,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    store: 'sqlite',
    direct_steps_per_s: Math.round(median(d)),
    pool_steps_per_s: Math.round(median(p)),
    pool_steps_per_s_wall: Math.round(median(pw)),
    ratio: Math.round((median(p) / median(d)) * 100) / 100,
    ratio_wall: Math.round((median(pw) / median(d)) * 100) / 100,
    spawn_to_ready_ms: Math.round(median(ready)),
    goal: 'ratio >= 0.8',
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.MAHAVISHNU_BENCH_PG !== 'off') await hosts();

/** One host against two on PostgreSQL, same pool size (4), same steps, same run. */
async function hosts() {
  const SIZE = 4;
  const adminUrl = process.env.MAHAVISHNU_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = `mv_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${db}`);
  } catch (e) {
    process.stdout.write(`two hosts on PostgreSQL: skipped (${e.message}; set MAHAVISHNU_BENCH_PG)\n`);
    await admin.end();
    return;
  }
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  const pgDir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-pg-'));
  const pgConfig = ConfigSchema.parse({
    data: { dir: pgDir },
    database: { url: url.toString() },
    log: { level: 'warn' },
    workflows: { dir: join(pgDir, 'workflows'), adhoc_executables: ['true'] },
  });
  const pg = await openCore({ loaded: { config: pgConfig, sources: [], dir: pgDir } });
  const children = [];
  try {
    await startPools(pg);
    const one = [];
    const two = [];
    const split = [];
    for (let r = 0; r < ROUNDS; r++) {
      one.push((await viaPool(pg, r, N, `one${r}`, SIZE)).rate);
      const res = await viaPool(pg, r, N, `two${r}`, SIZE, async (name) => {
        // the second host: a worker process for this pool, on the same store
        const workerDir = mkdtempSync(join(tmpdir(), 'mahavishnu-bench-host-'));
        const child = spawn(
          process.execPath,
          [resolve(import.meta.dirname, '../bin/mahavishnu.js'), 'worker', '--pool', name],
          {
            stdio: ['ignore', 'ignore', 'inherit'],
            env: {
              PATH: process.env.PATH,
              MAHAVISHNU_DATA__DIR: workerDir,
              MAHAVISHNU_CONFIG_DIR: join(workerDir, 'settings'),
              MAHAVISHNU_DATABASE__URL: url.toString(),
              MAHAVISHNU_LOG__LEVEL: 'warn',
            },
          },
        );
        children.push({ child, workerDir });
        const id = (await pg.pools.store.find(name)).id;
        for (const until = Date.now() + 30_000; (await pg.pools.store.members(id, 3000)).length < 2; ) {
          if (Date.now() > until) throw new Error('the second host did not join the pool within 30 s');
          await new Promise((ok) => setTimeout(ok, 50));
        }
      });
      const last = children.pop();
      last.child.kill('SIGTERM');
      await new Promise((ok) => last.child.once('exit', ok));
      rmSync(last.workerDir, { recursive: true, force: true });
      two.push(res.rate);
      split.push(res.perHost.join('+'));
    }
    const out = {
      steps: N,
      rounds: ROUNDS,
      store: 'postgres',
      workers: SIZE,
      one_host_steps_per_s: Math.round(median(one)),
      two_hosts_steps_per_s: Math.round(median(two)),
      ratio_two_to_one: Math.round((median(two) / median(one)) * 100) / 100,
      steps_per_host_two_hosts: split,
      rounds_one_host: one.map(Math.round),
      rounds_two_hosts: two.map(Math.round),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    for (const { child } of children) child.kill('SIGKILL');
    await pg.close();
    rmSync(pgDir, { recursive: true, force: true });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
}
