import { z } from 'zod';
import { WorkflowInfo } from '../../core/workflows/schemas.js';
import { defineTool } from '../define.js';

export const workflowList = defineTool({
  name: 'workflow_list',
  title: 'List workflows',
  description:
    'List the reviewed workflows (files in workflows.dir): name, description, target pool, typed params ' +
    '(required or with a default), steps as argv arrays, retries and timeout. Use it to find what ' +
    'workflow_run can start and which --param values it needs.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: z.strictObject({ workflows: z.array(WorkflowInfo) }),
  run: (_input, { core }) => ({ workflows: core.workflows.list() }),
});
