import { z } from 'zod';

/** The pool shapes: the tools' inputs and outputs and the core's types are all these. */

export const PoolState = z.enum(['active', 'closing', 'closed']);
export type PoolState = z.infer<typeof PoolState>;

const POOL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const POOL_NAME_RULE = 'must be lower case letters, digits, "-" or "_", starting with a letter (at most 32)';

export const PoolName = z
  .string()
  .regex(POOL_NAME, POOL_NAME_RULE)
  .describe(
    'Pool name: lower case letters, digits, "-" or "_", starting with a letter, at most 32 (e.g. prod).',
  );

/** Why a pool name is refused, or undefined: the store's guard, in the schema's words. */
export const poolNameProblem = (name: string): string | undefined =>
  POOL_NAME.test(name) ? undefined : `pool name "${name}" ${POOL_NAME_RULE}`;

/** Why pool bounds are refused, or undefined. */
export const boundsProblem = (min: number, max: number): string | undefined =>
  min > max ? `min ${min} is larger than max ${max}; give a max of at least ${min}` : undefined;

export const PoolRef = z
  .string()
  .min(1)
  .max(128)
  .describe('Pool id (pool-1a2b3c4d, from `pool list`) or pool name (prod).');

/** Workers wanted: absolute (10, "10") or relative to the current desired size ("+5", "-2"). */
export const ScaleTarget = z
  .union([
    z.number().int().min(0),
    z.string().regex(/^[+-]?\d+$/, 'must be a number (10) or a change ("+5", "-2")'),
  ])
  .describe('Workers wanted: a number (10) or a change of the current desired size ("+5", "-2").');

/** A pool's bounds: the same limits for pool_spawn and pool_update. */
const PoolMin = z.number().int().min(0).max(256);
const PoolMax = z.number().int().min(1).max(256);

export const PoolSpawnInput = z
  .strictObject({
    name: PoolName,
    type: z
      .enum(['mahavishnu'])
      .default('mahavishnu')
      .describe('Worker kind; mahavishnu = local worker processes of the serving hosts.'),
    min: PoolMin.default(1).describe('Fewest workers (started now).'),
    max: PoolMax.default(4).describe('Most workers (scale and autoscale limit); at least min.'),
    autoscale: z
      .boolean()
      .default(true)
      .describe('Grow toward max while steps queue, shrink toward min when idle.'),
  })
  .superRefine((v, ctx) => {
    const problem = boundsProblem(v.min, v.max);
    if (problem) ctx.addIssue({ code: 'custom', path: ['max'], message: problem });
  });
export type PoolSpawnInput = z.output<typeof PoolSpawnInput>;

export const PoolUpdateInput = z
  .strictObject({
    pool: PoolRef,
    min: PoolMin.optional().describe(
      'New fewest workers; a desired size below it is raised to it (workers start now).',
    ),
    max: PoolMax.optional().describe(
      'New most workers (scale and autoscale limit); a desired size above it is lowered to it, and the ' +
        'workers above drain: idle ones stop now, busy ones finish their step first; queued steps stay queued.',
    ),
    autoscale: z
      .boolean()
      .optional()
      .describe(
        'Grow toward max while steps queue, shrink toward min when idle (false: the size stays put).',
      ),
  })
  .refine((v) => v.min !== undefined || v.max !== undefined || v.autoscale !== undefined, {
    message: 'give at least one of min, max, autoscale',
    path: ['min'],
  });
export type PoolUpdateInput = z.output<typeof PoolUpdateInput>;

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
  state: PoolState,
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
export type PoolSummary = z.infer<typeof PoolSummary>;

/** One serving process's workers of a pool, as pool_status shows them. */
export const PoolMember = z.strictObject({
  owner: z.string(),
  host: z.string(),
  pid: z.number().int(),
  starting: z.number().int(),
  idle: z.number().int(),
  busy: z.number().int(),
  draining: z.number().int(),
  slots: z
    .number()
    .int()
    .describe("Worker slots of the pool this process holds: its share of the pool's desired size."),
  heartbeat_age_ms: z.number(),
});

export const PoolUpdateResult = PoolSummary.extend({
  changes: z
    .array(z.string())
    .describe('What the update changed, one line each (bounds, autoscale, and the desired size it moved).'),
});
export type PoolUpdateResult = z.infer<typeof PoolUpdateResult>;

export const PoolDetail = PoolSummary.extend({ members: z.array(PoolMember) });
export type PoolDetail = z.infer<typeof PoolDetail>;

export const PoolMoveQueueInput = z.strictObject({
  from: PoolRef.describe('Pool whose queued steps move (id or name).'),
  to: PoolRef.describe('Active pool that takes them (id or name), e.g. an emergency pool just spawned.'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .describe('At most this many queued runs move, oldest first.'),
});
export type PoolMoveQueueInput = z.output<typeof PoolMoveQueueInput>;

const MovedRun = z.strictObject({
  run_id: z.string(),
  workflow: z.string(),
  params: z.record(z.string(), z.string()),
  step: z.string().describe('The queued step that moved (the run waits for it).'),
  queued_at: z.string(),
});

export const PoolMoveQueueResult = z.strictObject({
  from: z.string().describe('Source pool name.'),
  to: z.string().describe('Target pool name.'),
  moved: z.number().int().describe('Runs moved (each with its queued step and later steps).'),
  runs: z.array(MovedRun),
  left: z
    .number()
    .int()
    .describe('Steps still queued in the source pool (beyond the limit, or queued since).'),
});
export type PoolMoveQueueResult = z.infer<typeof PoolMoveQueueResult>;
