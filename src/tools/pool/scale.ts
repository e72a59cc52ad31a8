import { z } from 'zod';
import { PoolRef, PoolSummary, ScaleTarget } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

export const poolScale = defineTool({
  name: 'pool_scale',
  title: 'Scale a worker pool',
  description:
    'Set the desired number of workers of a pool, absolute (10) or relative ("+5", "-2"), within its ' +
    '[min, max]. Scaling up waits for the new workers; scaling down drains: a busy worker finishes its ' +
    'step before it exits, so no work is lost. Use it when a pool is exhausted (queue growing at max busy). ' +
    'Returns the pool.',
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  scope: 'live',
  cli: { positional: ['pool'] },
  input: z.strictObject({
    pool: PoolRef,
    target: ScaleTarget,
  }),
  output: PoolSummary,
  run: async ({ pool, target }, { core, signal }) => core.pools.scale(pool, target, signal),
});
