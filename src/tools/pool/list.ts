import { z } from 'zod';
import { PoolSummary } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

export const poolList = defineTool({
  name: 'pool_list',
  title: 'List worker pools',
  description:
    'List the worker pools with their bounds, desired size, live workers (starting/idle/busy/draining, ' +
    'summed over every serving process), queue depth, running steps and steps finished in the last minute. ' +
    'Use it first to find a pool id for pool_scale, pool_status or pool_close.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    include_closed: z.boolean().default(false).describe('Also list closed pools.'),
  }),
  output: z.strictObject({ pools: z.array(PoolSummary) }),
  run: async ({ include_closed }, { core }) => ({ pools: await core.pools.list(include_closed) }),
});
