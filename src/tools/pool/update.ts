import { PoolUpdateInput, PoolUpdateResult } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

// not destructive: no work and no data is lost, and every change is undone by the opposite update.
// Lowering max below the current size is a scale down (workers drain, busy ones finish their
// step first, queued steps stay queued), which pool_scale does without being destructive either.
export const poolUpdate = defineTool({
  name: 'pool_update',
  title: 'Change the bounds or autoscale of a worker pool',
  description:
    "Change a pool's min, max or autoscale. Use it when a pool is exhausted (at its max, every worker " +
    'busy, queue growing): raise max, then pool_scale up to it. The desired size is kept inside the ' +
    'new bounds: a higher min starts workers; a max below the current size drains the workers above it ' +
    '(idle ones stop now, busy ones finish their step first) and queued steps stay queued. ' +
    'Returns the pool and a line per change.',
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  scope: 'live',
  cli: { positional: ['pool'] },
  input: PoolUpdateInput,
  output: PoolUpdateResult,
  run: async (input, { core, signal }) => core.pools.update(input, signal),
});
