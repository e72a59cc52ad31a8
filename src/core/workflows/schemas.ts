import { z } from 'zod';

/** The workflow shapes: the tools' inputs and outputs and the core's types are all these. */

export const RunState = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type RunState = z.infer<typeof RunState>;
/** `pending` steps wait for the step before them; the others are as for runs. */
export const StepState = z.enum(['pending', ...RunState.options]);
export type StepState = z.infer<typeof StepState>;

export const RunId = z
  .string()
  .min(1)
  .max(128)
  .describe('Workflow run id (run-…), as returned by workflow_run.');

/** Why a run request names no one thing to run, or undefined: a workflow name or a command. */
export const runTargetProblem = (i: { name?: string | undefined; command?: string[] | undefined }) =>
  i.name && i.command
    ? 'give either a workflow name or command (--command), not both'
    : !i.name && !i.command
      ? 'name the workflow to run (see `workflow_list`), or give an ad hoc command (--command)'
      : undefined;

/** Bounds of a run's free text: params and argv become audit records, step argv and logs. */
const MAX_PARAMS = 64;
const MAX_PARAM_CHARS = 4096;

export const WorkflowRunInput = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe('Workflow name (see workflow_list); omit when giving command.'),
    params: z
      .record(z.string().max(64), z.string().max(MAX_PARAM_CHARS))
      .refine((p) => Object.keys(p).length <= MAX_PARAMS, `at most ${MAX_PARAMS} params`)
      .default({})
      .describe(
        `Workflow params, key to value (CLI: --param key=value, repeatable); at most ${MAX_PARAMS}, each value at most ${MAX_PARAM_CHARS} characters.`,
      ),
    pool: z
      .string()
      .max(128)
      .optional()
      .describe("Pool id or name to run on instead of the workflow's own pool."),
    command: z
      .array(z.string().max(MAX_PARAM_CHARS))
      .min(1)
      .max(256)
      .optional()
      .describe(
        'Ad hoc argv (CLI: --command exe,arg1,arg2) when settings allow the executable; omit when giving name.',
      ),
    timeout_ms: z.number().int().min(1).default(60_000).describe('Timeout of an ad hoc command, ms.'),
    retries: z.number().int().min(0).max(20).default(0).describe('Retries of an ad hoc command.'),
    idempotency_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'Client key for this request: the same key within workflows.idempotency_window_s returns the run it created instead of a second one (safe retries after a timeout).',
      ),
  })
  .superRefine((v, ctx) => {
    const problem = runTargetProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', path: [v.name ? 'command' : 'name'], message: problem });
  });
export type WorkflowRunInput = z.output<typeof WorkflowRunInput>;

export const RunStep = z.strictObject({
  index: z.number().int(),
  name: z.string(),
  argv: z.array(z.string()),
  state: StepState,
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  exit_code: z.number().int().nullable(),
  error: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export const RunStatus = z.strictObject({
  id: z.string(),
  workflow: z.string(),
  pool_id: z.string(),
  pool: z.string().describe('Name of the pool the run is on (pool_move_queue moves queued runs).'),
  state: RunState,
  params: z.record(z.string(), z.string()),
  requested_by: z.string(),
  cancel_requested: z.boolean(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  steps: z.array(RunStep),
});
export type RunStatus = z.infer<typeof RunStatus>;

/** A run in the list of recent runs (workflow_status without an id). */
export const RunSummary = z.strictObject({
  id: z.string(),
  workflow: z.string(),
  pool_id: z.string(),
  pool: z.string().describe('Name of the pool the run is on.'),
  params: z.record(z.string(), z.string()),
  state: RunState,
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunLogs = z.strictObject({
  id: z.string(),
  state: RunState,
  steps: z.array(
    z.strictObject({
      index: z.number().int(),
      name: z.string(),
      state: StepState,
      truncated: z.boolean(),
      output: z.string(),
    }),
  ),
});
export type RunLogs = z.infer<typeof RunLogs>;

/** A reviewed workflow as workflow_list shows it. */
export const WorkflowInfo = z.strictObject({
  name: z.string(),
  description: z.string(),
  pool: z.string(),
  params: z.array(
    z.strictObject({
      name: z.string(),
      type: z.string(),
      description: z.string(),
      required: z.boolean(),
      default: z.string().optional(),
      choices: z.array(z.string()).optional(),
    }),
  ),
  steps: z.array(z.strictObject({ name: z.string(), argv: z.array(z.string()) })),
  retries: z.number().int(),
  timeout_ms: z.number().int(),
  file: z.string(),
});
export type WorkflowInfo = z.infer<typeof WorkflowInfo>;
