#!/usr/bin/env node
/**
 * Pool throughput against its baseline, in one run: N steps of a trivial command (`true`) through
 * a pool of 2 worker processes, versus spawning the same command directly with concurrency 2; and
 * the time from `pool spawn` to all workers ready. Needs `npm run build` first.
 *
 *   node bench/pools.js [steps=500] [rounds=3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore } from '../dist/compose/open-core.js';
import { ConfigSchema } from '../dist/core/config/schema.js';
import { startPools } from '../dist/core/pools/start.js';

const N = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 3);
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

async function viaPool(core, round, n) {
  const name = `bench${round}`;
  // desired 0 while the queue is filled, so the measured span is pure execution
  await core.pools.spawn({ name, type: 'mahavishnu', min: 0, max: CONCURRENCY, autoscale: false });
  for (let i = 0; i < n; i++)
    await core.workflows.run(
      { command: ['true'], pool: name, params: {}, timeout_ms: 10_000, retries: 0 },
      'bench',
    );
  const t = performance.now();
  await core.pools.scale(name, CONCURRENCY);
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
  await core.pools.close(name, false);
  return { rate: n / ((Number(span.b) - Number(span.a)) / 1000), wallRate: n / wall };
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
