import { z } from 'zod';
import { defineTool } from '../define.js';
import { PoolRef, PoolSummary } from './shared.js';

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
  output: PoolSummary.extend({
    members: z.array(
      z.strictObject({
        owner: z.string(),
        host: z.string(),
        pid: z.number().int(),
        starting: z.number().int(),
        idle: z.number().int(),
        busy: z.number().int(),
        draining: z.number().int(),
        heartbeat_age_ms: z.number(),
      }),
    ),
  }),
  run: async ({ pool }, { core }) => core.pools.status(pool),
});
