import { z } from 'zod';

export const RunId = z.string().min(1).describe('Workflow run id (run-…), as returned by workflow_run.');

export const RunStatus = z.strictObject({
  id: z.string(),
  workflow: z.string(),
  pool_id: z.string(),
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  params: z.record(z.string(), z.string()),
  requested_by: z.string(),
  cancel_requested: z.boolean(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  steps: z.array(
    z.strictObject({
      index: z.number().int(),
      name: z.string(),
      argv: z.array(z.string()),
      state: z.enum(['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled']),
      attempts: z.number().int(),
      max_attempts: z.number().int(),
      exit_code: z.number().int().nullable(),
      error: z.string().nullable(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
    }),
  ),
});
