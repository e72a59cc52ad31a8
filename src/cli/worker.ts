import { openCore } from '../compose/open-core.js';
import { shutdownPlan } from '../core/config/shutdown.js';
import { isAppError } from '../core/errors.js';
import { startPools } from '../core/pools/start.js';
import { invoke } from '../tools/invoke.js';
import { poolSpawn } from '../tools/pool/spawn.js';
import { type Globals, loadOpts } from './globals.js';
import { cliPrincipal } from './principal.js';

/**
 * `mahavishnu worker`: a process that only runs one pool's workers, until SIGTERM/SIGINT. With
 * --min and --max a missing pool is created through the pool_spawn tool, so the policy, role,
 * metrics, log line and audit record of any other creation apply to it.
 */
export async function runWorker(
  f: { pool: string; min?: number; max?: number },
  g: Globals,
): Promise<number> {
  const core = await openCore(loadOpts(g));
  try {
    try {
      await core.pools.store.find(f.pool);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'not_found' || f.min === undefined || f.max === undefined) throw e;
      // no pool runtime in this process yet, so the tool records the pool without waiting for workers
      await invoke(
        poolSpawn,
        { name: f.pool, min: f.min, max: f.max },
        { core, principal: cliPrincipal(core) },
      ).catch((err) => {
        // another worker process created it first
        if (!isAppError(err) || err.code !== 'conflict') throw err;
      });
    }
    core.watchMaintenance();
    const runtime = await startPools(core, f.pool);
    core.log.info({ pool: f.pool, pid: process.pid }, 'worker runtime started');
    // the runtime's timers are unref'd (they must not hold `serve` open): while this host holds
    // no slot it has no child either, so a ref'd timer keeps the process alive until a signal
    const alive = setInterval(() => {}, 60_000);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    clearInterval(alive);
    // the same budget as serve: drain, then re-queue what is still running
    await runtime.stop(shutdownPlan(core.config).drainMs);
  } finally {
    await core.close();
  }
  return 0;
}
