import { openCore } from '../compose/open-core.js';
import { invalid, isAppError } from '../core/errors.js';
import { startPools } from '../core/pools/start.js';
import { type Globals, loadOpts } from './globals.js';

function flags(args: string[]): { pool: string; min?: number; max?: number } {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--(pool|min|max)(?:=(.*))?$/.exec(args[i]!);
    if (!m)
      throw invalid(
        `unexpected argument "${args[i]}"; usage: mahavishnu worker --pool NAME [--min N --max N]`,
      );
    const v = m[2] ?? args[++i];
    if (v === undefined) throw invalid(`--${m[1]} needs a value`);
    out[m[1]!] = v;
  }
  if (!out.pool) throw invalid('name the pool: mahavishnu worker --pool NAME');
  const num = (k: string) => {
    if (out[k] === undefined) return undefined;
    if (!/^\d+$/.test(out[k])) throw invalid(`--${k} must be a whole number`);
    return Number(out[k]);
  };
  return {
    pool: out.pool,
    ...(num('min') !== undefined ? { min: num('min')! } : {}),
    ...(num('max') !== undefined ? { max: num('max')! } : {}),
  };
}

/** `mahavishnu worker`: a process that only runs one pool's workers, until SIGTERM/SIGINT. */
export async function runWorker(args: string[], g: Globals): Promise<number> {
  const f = flags(args);
  const core = await openCore(loadOpts(g));
  try {
    try {
      await core.pools.store.find(f.pool);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'not_found' || f.min === undefined || f.max === undefined) throw e;
      await core.pools.store
        .create({ name: f.pool, type: 'mahavishnu', min: f.min, max: f.max, autoscale: true })
        .catch((err) => {
          // another worker process created it first
          if (!isAppError(err) || err.code !== 'conflict') throw err;
        });
    }
    await startPools(core, f.pool);
    core.log.info({ pool: f.pool, pid: process.pid }, 'worker runtime started');
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
  } finally {
    await core.close();
  }
  return 0;
}
