import { z } from 'zod';

export const PoolRef = z
  .string()
  .min(1)
  .describe('Pool id (pool-1a2b3c4d, from `pool list`) or pool name (prod).');

const Workers = z.strictObject({
  starting: z.number().int(),
  idle: z.number().int(),
  busy: z.number().int(),
  draining: z.number().int(),
  total: z.number().int(),
});

export const PoolSummary = z.strictObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  state: z.enum(['active', 'closing', 'closed']),
  min: z.number().int(),
  max: z.number().int(),
  desired: z.number().int(),
  autoscale: z.boolean(),
  workers: Workers.describe('Worker processes reported by every serving process in the last few seconds.'),
  queue_depth: z.number().int(),
  running_steps: z.number().int(),
  steps_last_minute: z.number().int().describe('Steps that ended in the last 60 s (throughput).'),
  hosts: z.number().int().describe('Processes running workers of this pool.'),
  created_at: z.string(),
});
