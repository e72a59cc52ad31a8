import type { Core } from '../core/core.js';
import { startPools } from '../core/pools/start.js';

/**
 * Live parts that run inside a long-lived process (`mahavishnu serve`, `mahavishnu worker`):
 * worker pools, adapters, schedulers. Each domain adds its start call here and registers its
 * stop with core.onClose, so shutdown stops them in reverse order.
 */
export async function startServices(core: Core): Promise<void> {
  // first, so it stops last: a restore anywhere in the installation pauses this process
  core.watchMaintenance();
  if (core.config.pools.enabled) await startPools(core);
}
