import pino, { type Logger } from 'pino';

import { SECRET_KEYS } from './redact.js';

export type { Logger };

/** JSON to stderr always: stdout belongs to MCP stdio and CLI output. */
export function createLogger(level: string, name = 'mahavishnu'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)],
        censor: '[redacted]',
      },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
