import { z } from 'zod';
import { RunStatus, RunSummary } from '../../core/workflows/schemas.js';
import { defineTool } from '../define.js';

export const workflowStatus = defineTool({
  name: 'workflow_status',
  title: 'Show a workflow run',
  description:
    'Show a workflow run and each step: state (pending, queued, running, succeeded, failed, cancelled), ' +
    'attempts, exit code and error. Without an id, list the most recent runs. Use it after workflow_run ' +
    'to follow a run to its end.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  cli: { positional: ['id'] },
  input: z.strictObject({
    id: z.string().max(128).optional().describe('Run id (run-…); omit to list recent runs.'),
    limit: z.number().int().min(1).max(200).default(20).describe('How many recent runs when no id is given.'),
  }),
  output: z.union([RunStatus, z.strictObject({ runs: z.array(RunSummary) })]),
  run: async ({ id, limit }, { core }) =>
    id ? core.workflows.status(id) : { runs: await core.workflows.recent(limit) },
});
