import { RunStatus, WorkflowRunInput } from '../../core/workflows/schemas.js';
import { defineTool } from '../define.js';

export const workflowRun = defineTool({
  name: 'workflow_run',
  title: 'Run a workflow',
  description:
    'Queue a run of a reviewed workflow on its pool and return at once with the run id (poll ' +
    'workflow_status, read workflow_logs). Params are checked against their declared types and each value ' +
    'is passed as one literal argument (never through a shell). An ad hoc `command` (argv) runs only if ' +
    'its executable is listed in workflows.adhoc_executables. Fails with not_found if the pool does not exist.',
  role: 'operator',
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: true },
  cli: { positional: ['name'] },
  input: WorkflowRunInput,
  output: RunStatus,
  run: (input, { core, principal }) => core.workflows.run(input, principal.username),
});
