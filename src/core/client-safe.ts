import { AppError } from './errors.js';

/**
 * What an error body may tell a client: no absolute path of the server, no connection URL, no
 * stack. Messages are written without them, and this is the last check at every face (the action
 * API, MCP, the probes), for what a dependency's message carries in; the log keeps the original.
 */

/** Our own routes and resource URIs stay (they are the fix the message points to). */
const ROUTES = /^\/(?:api|mcp|sse|messages|health|ready|metrics|approvals|\.well-known)(?:\/|$)/;
const KEPT_SCHEMES = new Set(['http', 'https', 'mahavishnu', 'runbook']);

const URL_RE = /\b([a-z][a-z0-9+.-]*):\/\/[^\s"'`<>)]+/gi;
// an absolute path of two or more segments, not inside a URL or a relative path
const PATH_RE = /(?<![\w./~\\-])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;
const STACK_RE = /\n?^\s+at .+$/gm;

function safeUrl(url: string, scheme: string): string {
  if (!KEPT_SCHEMES.has(scheme.toLowerCase())) return '<connection URL>';
  // credentials in an http(s) URL: keep the URL, drop the userinfo
  return url.replace(/^([a-z]+:\/\/)[^/@\s]*@/i, '$1');
}

export function clientSafeText(s: string): string {
  return s
    .replace(STACK_RE, '')
    .replace(URL_RE, (m, scheme: string) => safeUrl(m, scheme))
    .replace(PATH_RE, (m) => (ROUTES.test(m) ? m : '<server path>'));
}

export function safeValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return clientSafeText(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => safeValue(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, safeValue(x, depth + 1)]));
}

/** The error as a client may see it; the same object when nothing had to change. */
export function clientSafeError(err: AppError): AppError {
  const message = clientSafeText(err.message);
  const details = err.details && (safeValue(err.details) as Record<string, unknown>);
  if (message === err.message && JSON.stringify(details) === JSON.stringify(err.details)) return err;
  return new AppError(err.code, message, details);
}
