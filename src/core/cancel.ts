import { AppError } from './errors.js';

/**
 * The error a cancelled call ends with: what it had done and what it had not, so the caller knows
 * the state it left (code `timeout`: the same call may be repeated).
 */
export function cancelled(
  signal: AbortSignal | undefined,
  { done, notDone }: { done: readonly string[]; notDone: readonly string[] },
): AppError {
  const why =
    signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? signal.reason.message : '';
  const parts = [
    done.length ? `done: ${done.join('; ')}` : 'nothing was done',
    notDone.length ? `not done: ${notDone.join('; ')}` : '',
  ].filter(Boolean);
  return new AppError('timeout', `cancelled${why ? ` (${why})` : ''}: ${parts.join('. ')}`, {
    cancelled: true,
    done: [...done],
    not_done: [...notDone],
  });
}

/** Wait ms, or reject with the signal's AbortError as soon as it is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error
    ? signal.reason
    : Object.assign(new Error('aborted'), { name: 'AbortError' });

/** Whether e is the abort of a signal (DOMException AbortError, or the signal's own reason). */
export const isAbort = (e: unknown, signal?: AbortSignal): boolean =>
  (e instanceof Error && e.name === 'AbortError') || (signal?.aborted === true && e === signal.reason);

/**
 * p, or the signal's abort as soon as it comes: for waits the work itself cannot be told to stop
 * (a probe, a connection getting ready). Only for waits whose outcome may be left behind: the
 * caller then reports that step as not done (or not known to be done).
 */
export function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      p.catch(() => {});
      return reject(abortError(signal));
    }
    const onAbort = () => {
      p.catch(() => {});
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
