// Apart from log.ts so that invoke (and the CLI's --help through it) need not load pino.

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
export const SECRET_KEYS = [
  'password',
  'token',
  'secret',
  'authorization',
  'key_material',
  'private_key',
  'api_key',
];

/** Copy of a value with secret-named keys replaced, for audit records and error details. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.some((s) => k.toLowerCase().includes(s)) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
