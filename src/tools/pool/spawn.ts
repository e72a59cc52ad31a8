import { PoolSpawnInput, PoolSummary } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

export const poolSpawn = defineTool({
  name: 'pool_spawn',
  title: 'Spawn a worker pool',
  description:
    'Create a pool of worker OS processes that run workflow steps one at a time each, and start its `min` ' +
    'workers (the call waits until they are ready). The pool autoscales between min and max by queue depth ' +
    "unless autoscale is false. Use it when work needs a new pool, or as the runbook's answer to an " +
    'exhausted pool. Fails with conflict if an open pool has the name. Returns the pool with its id.',
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
  scope: 'live',
  input: PoolSpawnInput,
  output: PoolSummary,
  run: async (input, { core, signal }) => core.pools.spawn(input, signal),
});
