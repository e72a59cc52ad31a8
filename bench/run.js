// `npm run bench`: build first, then run every benchmark in this folder in turn. A benchmark exits
// non-zero only when it could not measure (a request failed, a server died); a missed goal is
// printed as BELOW, not an error.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

const here = import.meta.dirname;
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: resolve(here, '..') });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
// lib.js, baselines.js and sdk-echo.js are parts of the others, not benchmarks
const parts = new Set(['run.js', 'lib.js', 'baselines.js', 'sdk-echo.js']);
for (const file of readdirSync(here).filter((f) => f.endsWith('.js') && !parts.has(f))) {
  console.log(`\n=== bench/${file}`);
  const r = spawnSync(process.execPath, [resolve(here, file), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
