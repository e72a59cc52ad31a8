import { z } from 'zod';
import { defineTool } from '../define.js';
import { PoolSummary } from './shared.js';

export const poolSpawn = defineTool({
  name: 'pool_spawn',
  title: 'Spawn a worker pool',
  description:
    'Create a pool of worker OS processes that run workflow steps one at a time each, and start its `min` ' +
    'workers (the call waits until they are ready). The pool autoscales between min and max by queue depth ' +
    "unless autoscale is false. Use it when work needs a new pool, or as the runbook's answer to an " +
    'exhausted pool. Fails with conflict if an open pool has the name. Returns the pool with its id.',
  role: 'operator',
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
  scope: 'live',
  input: z.strictObject({
    name: z
      .string()
      .min(1)
      .max(32)
      .describe('Pool name: lower case letters, digits, "-" or "_" (e.g. prod).'),
    type: z
      .enum(['mahavishnu'])
      .default('mahavishnu')
      .describe('Worker kind; mahavishnu = local worker processes of the serving hosts.'),
    min: z.number().int().min(0).max(256).default(1).describe('Fewest workers (started now).'),
    max: z.number().int().min(1).max(256).default(4).describe('Most workers (scale and autoscale limit).'),
    autoscale: z
      .boolean()
      .default(true)
      .describe('Grow toward max while steps queue, shrink toward min when idle.'),
  }),
  output: PoolSummary,
  run: async (input, { core }) => core.pools.spawn(input),
});
