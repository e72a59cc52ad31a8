import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from '../define.js';

/** A call that takes a while and reports progress: for cancellation, drain and progress tests. */
export const testSlow = defineTool({
  name: 'test_slow',
  title: 'Test fixture: a slow call',
  description:
    'Test fixture (served only with mcp.test_tools): waits `ms` milliseconds in `steps` steps, reporting ' +
    'progress after each, and stops early when the caller cancels. Returns how long it waited.',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    ms: z.number().int().min(0).max(60_000).default(1000).describe('Total time to wait, ms.'),
    steps: z.number().int().min(1).max(100).default(4).describe('Progress reports to send.'),
  }),
  output: z.strictObject({ waited_ms: z.number() }),
  run: async ({ ms, steps }, ctx) => {
    const started = performance.now();
    for (let i = 1; i <= steps; i++) {
      await sleep(ms / steps, undefined, { signal: ctx.signal });
      ctx.progress({ progress: i, total: steps, message: `step ${i} of ${steps}` });
    }
    return { waited_ms: Math.round(performance.now() - started) };
  },
});
