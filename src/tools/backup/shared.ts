import type { OnProgress } from '../../core/backup/backups.js';
import type { ToolContext } from '../define.js';

/** Tool progress from the domain's (done, total, message) callbacks. */
export const progressOf =
  (ctx: ToolContext): OnProgress =>
  (done, total, message) =>
    ctx.progress({ progress: done, ...(total > 0 ? { total } : {}), message });
