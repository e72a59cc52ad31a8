import { z } from 'zod';
import { PoolDetail, PoolRef } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

export const poolStatus = defineTool({
  name: 'pool_status',
  title: 'Show one worker pool',
  description:
    'Show one pool: its summary (workers busy/idle, queue depth, throughput) and each serving process ' +
    'that runs its workers (host, pid, worker counts, heartbeat age). Use it to see whether a pool keeps up ' +
    'with its queue before scaling it.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  cli: { positional: ['pool'] },
  input: z.strictObject({ pool: PoolRef }),
  output: PoolDetail,
  run: async ({ pool }, { core }) => core.pools.status(pool),
});
