import { AppError, type ErrorCode } from '../core/errors.js';

/**
 * Client of the action API (POST /api/v1/tools/<name>) that a running server exposes.
 * Reply: 200 {"ok":true,"result":…}, or the error's HTTP status with {"ok":false,"error":{code,message}}.
 */
export async function callRemote(
  server: string,
  tool: string,
  input: unknown,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<unknown> {
  const url = new URL(`/api/v1/tools/${encodeURIComponent(tool)}`, server);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(input),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    throw new AppError(
      'unavailable',
      `cannot reach the server at ${url.origin} (${(e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message}); ` +
        'start it with `mahavishnu serve`, or pass --server URL',
    );
  }
  const text = await res.text();
  let body: { ok?: boolean; result?: unknown; error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('unavailable', `the server at ${url.origin} answered ${res.status} without JSON`);
  }
  if (res.ok && body.ok) return body.result;
  const code = (body.error?.code ?? (res.status === 401 ? 'unauthenticated' : 'internal')) as ErrorCode;
  let message = body.error?.message ?? `HTTP ${res.status}`;
  if (code === 'unauthenticated' && !token)
    message += '; set MAHAVISHNU_TOKEN (mint one with `mahavishnu auth create-token`)';
  throw new AppError(code, message);
}
