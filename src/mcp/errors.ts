import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { clientSafeError } from '../core/client-safe.js';
import type { AppError } from '../core/errors.js';

/** JSON-RPC's implementation-defined server error for a request that ran out of time. */
const REQUEST_TIMEOUT = -32001;

const RPC_CODE: Record<AppError['code'], number> = {
  invalid_input: ProtocolErrorCode.InvalidParams,
  not_found: ProtocolErrorCode.InvalidParams,
  unauthenticated: ProtocolErrorCode.InvalidRequest,
  forbidden: ProtocolErrorCode.InvalidRequest,
  conflict: ProtocolErrorCode.InvalidRequest,
  too_large: ProtocolErrorCode.InvalidRequest,
  approval_required: ProtocolErrorCode.InvalidRequest,
  unavailable: ProtocolErrorCode.InternalError,
  timeout: REQUEST_TIMEOUT,
  internal: ProtocolErrorCode.InternalError,
};

/**
 * An AppError where MCP needs a protocol (JSON-RPC) error rather than a tool result: an unknown
 * tool, a refused resource read. The text is `<code>: <message>` as in a tool error result, and
 * the data is the error as the HTTP API and `--json` show it.
 */
export const mcpError = (e: AppError): ProtocolError => {
  const err = clientSafeError(e);
  return new ProtocolError(RPC_CODE[err.code], `${err.code}: ${err.message}`, err.toJSON());
};
