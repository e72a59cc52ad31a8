import { z } from 'zod';
import { defineTool } from '../define.js';
import { RunStatus } from './shared.js';

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
  input: z.strictObject({
    name: z.string().optional().describe('Workflow name (see workflow_list); omit when giving command.'),
    params: z
      .record(z.string(), z.string())
      .default({})
      .describe('Workflow params, key to value (CLI: --param key=value, repeatable).'),
    pool: z.string().optional().describe("Pool id or name to run on instead of the workflow's own pool."),
    command: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('Ad hoc argv (CLI: --command exe,arg1,arg2) when settings allow the executable.'),
    timeout_ms: z.number().int().min(1).default(60_000).describe('Timeout of an ad hoc command, ms.'),
    retries: z.number().int().min(0).max(20).default(0).describe('Retries of an ad hoc command.'),
  }),
  output: RunStatus,
  run: (input, { core, principal }) => core.workflows.run(input, principal.username),
});
