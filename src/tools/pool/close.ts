import { z } from 'zod';
import { PoolRef, PoolSummary } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

export const poolClose = defineTool({
  name: 'pool_close',
  title: 'Close a worker pool',
  description:
    'Close a pool: its queued steps are cancelled, running steps finish (or with force are killed and ' +
    'recorded cancelled), then its workers stop and the pool is closed. Waits for the drain up to ' +
    'pools.drain_timeout_ms. Use dry_run to see what would be stopped. Returns the pool.',
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  scope: 'live',
  cli: { positional: ['pool'] },
  input: z.strictObject({
    pool: PoolRef,
    force: z.boolean().default(false).describe('Kill running steps now instead of letting them finish.'),
  }),
  output: PoolSummary,
  plan: ({ pool, force }, { core }) => core.pools.closePlan(pool, force),
  run: ({ pool, force }, { core, signal }) => core.pools.close(pool, force, signal),
});
