import { PoolMoveQueueInput, PoolMoveQueueResult } from '../../core/pools/schemas.js';
import { defineTool } from '../define.js';

// destructive: it changes where many runs of other people execute, in bulk, and what the target
// pool has claimed cannot be moved back; so it has a plan (dry_run lists the runs) and approvals
export const poolMoveQueue = defineTool({
  name: 'pool_move_queue',
  title: "Move a pool's queued runs to another pool",
  description:
    "Move the queued runs of one pool to another, oldest first: each run's waiting step and its later " +
    'steps go to the target pool, whose workers take them at once. Only queued (unclaimed) steps move; ' +
    'running steps stay and finish where they are. Use it after spawning an emergency pool for an ' +
    'exhausted one (pool_spawn, then this), so the backlog follows; dry_run lists what would move. ' +
    "New runs still go to their workflow's pool. Returns the runs moved and how many stay queued.",
  role: 'operator',
  hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
  scope: 'store',
  input: PoolMoveQueueInput,
  output: PoolMoveQueueResult,
  plan: (input, { core }) => core.pools.moveQueuePlan(input),
  run: (input, { core }) => core.pools.moveQueue(input),
});
