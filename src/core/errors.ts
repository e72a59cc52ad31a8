/**
 * The one error type. Each code maps once to an HTTP status, a CLI exit code and an MCP tool
 * error; the message is written for the caller and says how to fix the call.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  /** The request is larger than a configured limit (a body over server.body_limit_bytes). */
  | 'too_large'
  /** A destructive call waits for a human approval (docs/approvals.md); nothing was done. */
  | 'approval_required'
  | 'unavailable'
  | 'timeout'
  | 'internal';

export const httpStatus: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  approval_required: 428,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

/** CLI exit codes; 2 is the conventional "usage" code. */
export const exitCode: Record<ErrorCode, number> = {
  internal: 1,
  invalid_input: 2,
  unauthenticated: 3,
  forbidden: 4,
  not_found: 5,
  conflict: 6,
  unavailable: 7,
  timeout: 8,
  too_large: 9,
  approval_required: 10,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Whether the same call may succeed if retried later. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.retryable = code === 'unavailable' || code === 'timeout';
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, ...(this.details ?? {}) };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AppError('invalid_input', message, details);
export const notFound = (message: string) => new AppError('not_found', message);
export const conflict = (message: string) => new AppError('conflict', message);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const unavailable = (message: string) => new AppError('unavailable', message);
