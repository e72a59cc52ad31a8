import { AppError } from '../core/errors.js';

/**
 * Bounds every call's input has before its schema is read, whatever the schema declares: free
 * text ends up in audit records, logs and step argv, so a caller must not be able to fill them.
 * A schema's own (smaller) maxLength names the field more precisely; these are the floor.
 */
export const MAX_INPUT_BYTES = 64 * 1024;
export const MAX_STRING_CHARS = 8 * 1024;
const MAX_ITEMS = 1000;

function firstTooLong(v: unknown, path: string, depth = 0): string | undefined {
  if (typeof v === 'string')
    return v.length > MAX_STRING_CHARS ? `${path || 'input'} is ${v.length} characters` : undefined;
  if (depth > 8 || v === null || typeof v !== 'object') return undefined;
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  if (entries.length > MAX_ITEMS) return `${path || 'input'} has ${entries.length} entries`;
  for (const [k, x] of entries) {
    if (k.length > MAX_STRING_CHARS) return `a key of ${path || 'input'} is ${k.length} characters`;
    const hit = firstTooLong(x, path ? `${path}.${k}` : k, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/** Refuse an input over the bounds with invalid_input saying which part and the limit. */
export function checkInputLimits(raw: unknown, what: string): void {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(raw ?? {}) ?? '');
  } catch {
    return; // not JSON (a CLI value the schema will refuse): nothing to measure
  }
  if (size > MAX_INPUT_BYTES)
    throw new AppError(
      'invalid_input',
      `invalid input for ${what}: the input is ${size} bytes, more than the ${MAX_INPUT_BYTES} a call may carry; send less (large data belongs in a file the workflow reads)`,
    );
  const hit = firstTooLong(raw, '');
  if (hit)
    throw new AppError(
      'invalid_input',
      `invalid input for ${what}: ${hit}, more than the ${MAX_STRING_CHARS} characters / ${MAX_ITEMS} entries any input field may hold`,
    );
}
