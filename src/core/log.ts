import pino, { type DestinationStream, type Logger } from 'pino';

import { TurnBatched } from './log-stream.js';
import { SECRET_KEYS } from './redact.js';

export type { Logger };

const SECRET = new Set(SECRET_KEYS);
const walkable = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !(v instanceof Error);

/**
 * The logged object with every secret-named key (at the top and two levels down, in objects and
 * arrays) replaced by "[redacted]". Copy on write: an object with no secret is returned as it is,
 * so the common line allocates nothing. This replaces pino's `redact` paths, whose wildcard
 * matching cost about 18 µs on every line (most of a tool call's log line; docs/performance.md).
 */
export function redactLogObject<T>(value: T, depth = 0): T {
  if (!walkable(value)) return value;
  let out: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const k in source) {
    const v = source[k];
    const next =
      !Array.isArray(value) && SECRET.has(k) ? '[redacted]' : depth < 2 ? redactLogObject(v, depth + 1) : v;
    if (next !== v) {
      out ??= Array.isArray(value) ? [...value] : { ...source };
      (out as Record<string, unknown>)[k] = next;
    }
  }
  return (out ?? value) as T;
}

/** JSON to stderr always: stdout belongs to MCP stdio and CLI output. */
export function createLogger(
  level: string,
  name = 'mahavishnu',
  destination: DestinationStream = new TurnBatched(),
): Logger {
  return pino(
    {
      name,
      level,
      formatters: { log: (o) => redactLogObject(o) },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
