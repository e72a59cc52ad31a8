import { z } from 'zod';
import { RunId, RunLogs } from '../../core/workflows/schemas.js';
import { defineTool } from '../define.js';

export const workflowLogs = defineTool({
  name: 'workflow_logs',
  title: 'Show the output of a workflow run',
  description:
    'Return the captured stdout and stderr of each step of a run (the last part, bounded by max_bytes ' +
    'per step and by workflows.max_output_bytes when captured). Use it to see why a step failed.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  cli: { positional: ['id'] },
  input: z.strictObject({
    id: RunId,
    max_bytes: z
      .number()
      .int()
      .min(1)
      .max(1_048_576)
      .default(16_384)
      .describe('Most bytes of output per step.'),
  }),
  output: RunLogs,
  run: ({ id, max_bytes }, { core }) => core.workflows.logs(id, max_bytes),
});
