import type { AppError } from '../core/errors.js';
import type { ClientChannel, Progress } from '../tools/define.js';

/** A long call tells the client at most this often how it is going, besides progress. */
const EVERY_MS = 1000;

/**
 * Log messages (notifications/message) of a long tool's call: started, its progress at most once
 * a second, and how it ended. The SDK drops those below the level the client set with
 * logging/setLevel, so a client that asked for warnings only hears of a failure.
 */
export function narrator(client: ClientChannel, tool: string) {
  let last = 0;
  const say = (level: 'info' | 'error', message: string, extra: object = {}) =>
    void client.log(level, { tool, message, ...extra });
  say('info', `${tool} started`);
  return {
    progress(p: Progress) {
      if (Date.now() - last < EVERY_MS) return;
      last = Date.now();
      say('info', p.message ?? `${tool} working`, {
        progress: p.progress,
        ...(p.total ? { total: p.total } : {}),
      });
    },
    ended(err?: AppError) {
      if (err) say('error', `${tool} failed: ${err.code}: ${err.message}`);
      else say('info', `${tool} completed`);
    },
  };
}
