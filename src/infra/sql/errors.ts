import { AppError } from '../../core/errors.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'CONNECTION_ENDED',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** The store's `unavailable`, naming the next step. No location: the message reaches callers, and where the store is belongs to the operator. */
export function storeUnavailable(reason: string): AppError {
  return new AppError(
    'unavailable',
    `the state store is unavailable (${reason}) and this call needs it; read mahavishnu://health, follow ` +
      'runbook://incident-response ("If the state store is unreachable"); calls succeed again by themselves ' +
      'when it is back, ecosystem_restart_database re-opens connections that stay stuck',
  );
}

/** Map a driver error onto the one error type: lost connections are retryable, duplicates are conflicts. */
export function storeError(e: unknown, _where: string): Error {
  if (e instanceof AppError) return e;
  const err = e as { code?: string; errno?: string; message?: string };
  const code = String(err.code ?? err.errno ?? '');
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03') {
    return storeUnavailable(code);
  }
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new AppError('conflict', 'a record with the same key already exists');
  }
  return e instanceof Error ? e : new Error(String(e));
}
