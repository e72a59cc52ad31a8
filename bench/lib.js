// Shared by the benchmarks: processes pinned to one core each, wrk, medians and the result table.
// On a machine with two or more cores the server under test runs on core 0 and the load generator
// on core 1, so neither steals the other's CPU and the generator's own limit can be measured apart.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// cpus(), not availableParallelism(): a client already pinned to one core still sees the machine's
export const PINNED = hasTaskset && cpus().length >= 2;
export const SERVER_CORE = '0';
export const CLIENT_CORE = '1';

/** [command, args] running `command args` on `core` when pinning is possible (taskset execs: same pid). */
export function onCore(core, command, args) {
  return PINNED ? ['taskset', ['-c', core, command, ...args]] : [command, args];
}

/** A server child on the server core; resolves when it prints `listening on <url>` on stderr. */
export function startServer(args, env) {
  const [cmd, argv] = onCore(SERVER_CORE, process.execPath, args);
  const p = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((ok, fail) => {
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) ok({ url: m[1], pid: p.pid, stop: () => p.kill('SIGKILL') });
    });
    p.on('exit', (c) => fail(new Error(`${args.join(' ')} exited ${c}: ${err}`)));
  });
}

/**
 * wrk on the client core (one thread: one core): { rps, requests }; throws when any
 * request failed (socket errors, non-2xx, or what the Lua script's done() reports on stderr).
 */
export function wrk(url, { seconds, connections, script, env = process.env }) {
  if (spawnSync('wrk', ['--version']).error)
    throw new Error("wrk is not installed: it is the benchmarks' load generator (apt-get install wrk)");
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (script) args.push('-s', script);
  args.push(url);
  const [cmd, argv] = onCore(CLIENT_CORE, 'wrk', args);
  const out = execFileSync(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  if (!rps || !requests) throw new Error(`wrk printed no Requests/sec:\n${out}`);
  const bad = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*|BAD (\d+)/.exec(out);
  if (bad) throw new Error(`wrk against ${url}: ${bad[0]}\n${out}`);
  return { rps: Number(rps[1]), requests: Number(requests[1]) };
}

/**
 * CPU seconds (user + system, all threads) a process has used so far. Requests/s depends on what
 * else the machine runs; CPU time per request much less, so both are printed.
 */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** wrk against a server child; { rps, cpuUs }: requests/s and the server's CPU µs per request. */
export function measure(server, url, opts) {
  const before = cpuSeconds(server.pid);
  const { rps, requests } = wrk(url, opts);
  return { rps, cpuUs: ((cpuSeconds(server.pid) - before) * 1e6) / requests };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Each side measured in turn, `rounds` times, so drift in what else the machine does hits all
 * sides alike; the median of each side's rounds (not the best, which flatters whichever side
 * happened to get a quiet moment). Sides are async functions returning one figure.
 */
export async function alternate(rounds, ...sides) {
  const got = sides.map(() => []);
  for (let r = 0; r < rounds; r++) for (const [i, side] of sides.entries()) got[i].push(await side());
  const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  // a side returns a number, or an object of numbers ({ rps, cpuUs }): stats per key
  return got.map((xs) =>
    typeof xs[0] === 'number'
      ? stats(xs)
      : Object.fromEntries(Object.keys(xs[0]).map((k) => [k, stats(xs.map((x) => x[k]))])),
  );
}

/**
 * Print rows of [measure, ours, baseline, goal, unit, higherIsBetter]; ours and baseline are
 * alternate() results. Ratio is ours ÷ baseline for rates, baseline ÷ ours for times (higher is
 * better either way). Returns whether every goal was met.
 */
export function table(title, rows) {
  const f = (x, unit) => (unit === '/s' ? x.toFixed(0) : `${x.toFixed(unit === 'µs' ? 1 : 0)} ${unit}`);
  const cell = (r, unit) => `${f(r.median, unit)} (${f(r.min, unit)}–${f(r.max, unit)})`;
  console.log(`\n${title}\n`);
  console.log(
    `${'measure'.padEnd(52)} ${'mahavishnu'.padStart(26)} ${'baseline'.padStart(26)}  ratio   goal`,
  );
  let ok = true;
  for (const [name, mine, base, goal, unit = '/s', rate = true] of rows) {
    if (!base) {
      console.log(`${name.padEnd(52)} ${cell(mine, unit).padStart(26)} ${'—'.padStart(26)}  ${goal ?? ''}`);
      continue;
    }
    const ratio = rate ? mine.median / base.median : base.median / mine.median;
    const met = goal === undefined || ratio >= goal;
    if (!met) ok = false;
    console.log(
      `${name.padEnd(52)} ${cell(mine, unit).padStart(26)} ${cell(base, unit).padStart(26)}  ${ratio.toFixed(2)}×  ${goal === undefined ? '' : `≥${goal}× ${met ? 'ok' : 'BELOW'}`}`,
    );
  }
  return ok;
}

/** What the machine is doing besides us: the 1-minute load average, printed with every run. */
export function machineNote() {
  const load = execFileSync('cat', ['/proc/loadavg']).toString().split(' ')[0];
  return `${cpus().length} cores, ${PINNED ? `server on core ${SERVER_CORE}, load generator on core ${CLIENT_CORE}` : 'not pinned (taskset missing or one core)'}, load average ${load} at start${Number(load) >= 0.5 ? ' (the machine is busy: figures are noisy, ratios from the same run still compare)' : ''}`;
}

/**
 * The backup benchmarks' rows, like real state: JSON documents with repeated keys and some entropy
 * (they compress about 3-4x, and hold no tab, newline or backslash). `doc(i)` is row i.
 */
export function jsonDocs() {
  const words = Array.from({ length: 512 }, () => randomBytes(4).toString('hex'));
  return (i) =>
    JSON.stringify({
      id: i,
      pool: `pool-${i % 17}`,
      state: ['queued', 'running', 'done'][i % 3],
      text: Array.from({ length: 40 }, (_, k) => words[(i * 31 + k * 7) % words.length]).join(' '),
      nonce: randomBytes(8).toString('hex'),
    });
}
