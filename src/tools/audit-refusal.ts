import type { Core } from '../core/core.js';
import type { AppError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import { redact } from '../core/redact.js';

/** Most of a call's input kept in its audit records: a hostile caller must not fill the log. */
const MAX_INPUT_CHARS = 4096;

/** The input as an audit record keeps it: secrets redacted, at most MAX_INPUT_CHARS of JSON. */
export function bounded(input: unknown): unknown {
  let text: string;
  try {
    text = JSON.stringify(redact(input)) ?? 'null';
  } catch {
    return '[input that is not JSON]';
  }
  if (text.length <= MAX_INPUT_CHARS) return JSON.parse(text);
  return { truncated: true, chars: text.length, start: text.slice(0, MAX_INPUT_CHARS) };
}

/**
 * One `refused` audit record for a call stopped before it ran: who, which tool, why (the error
 * code and message) and the input, bounded. A failure to write it is logged, not raised: the call
 * is refused either way.
 */
export async function auditRefusal(
  core: Core,
  o: { callId: string; principal: Principal; tool: string; input: unknown; err: AppError },
): Promise<void> {
  await core.audit
    .append({
      callId: o.callId,
      phase: 'refused',
      principal: o.principal,
      tool: o.tool,
      input: { input: bounded(o.input), reason: o.err.message.slice(0, 500) },
      outcome: 'error',
      errorCode: o.err.code,
    })
    .catch((e) => core.log.error({ err: e, callId: o.callId }, 'audit record of a refused call failed'));
}
