import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { AppError } from '../core/errors.js';

const RPC_CODE: Record<AppError['code'], number> = {
  invalid_input: ErrorCode.InvalidParams,
  not_found: ErrorCode.InvalidParams,
  unauthenticated: ErrorCode.InvalidRequest,
  forbidden: ErrorCode.InvalidRequest,
  conflict: ErrorCode.InvalidRequest,
  too_large: ErrorCode.InvalidRequest,
  approval_required: ErrorCode.InvalidRequest,
  unavailable: ErrorCode.InternalError,
  timeout: ErrorCode.RequestTimeout,
  internal: ErrorCode.InternalError,
};

/**
 * An AppError where MCP needs a protocol (JSON-RPC) error rather than a tool result: an unknown
 * tool, a refused resource read. The text is `<code>: <message>` as in a tool error result, and
 * the data is the error as the HTTP API and `--json` show it.
 */
export const mcpError = (err: AppError): McpError =>
  new McpError(RPC_CODE[err.code], `${err.code}: ${err.message}`, err.toJSON());
