import { z } from 'zod';
import { RunId, RunStatus } from '../../core/workflows/schemas.js';
import { defineTool } from '../define.js';

export const workflowCancel = defineTool({
  name: 'workflow_cancel',
  title: 'Cancel a workflow run',
  description:
    "Stop a run: steps not started are cancelled, and the running step's process is killed (SIGTERM, then " +
    'SIGKILL) and recorded cancelled. Waits up to wait_ms for the run to end. A finished run is left as it ' +
    'is. Returns the run.',
  role: 'operator',
  long: true,
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  scope: 'live',
  cli: { positional: ['id'] },
  input: z.strictObject({
    id: RunId,
    wait_ms: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5_000)
      .describe('How long to wait for the run to stop.'),
  }),
  output: RunStatus,
  plan: async ({ id }, { core }) => {
    const s = await core.workflows.status(id);
    return s.steps
      .filter((x) => ['pending', 'queued', 'running'].includes(x.state))
      .map((x) => (x.state === 'running' ? `kill the process of step ${x.name}` : `cancel step ${x.name}`));
  },
  run: ({ id, wait_ms }, { core, signal }) => core.workflows.cancel(id, wait_ms, signal),
});
