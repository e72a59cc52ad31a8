import type { MiddlewareHandler } from 'hono';
import type { Config } from '../core/config/schema.js';
import { AppError } from '../core/errors.js';
import { errorResponse } from './auth.js';

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const hostnameOf = (host: string) =>
  host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;

/**
 * DNS-rebinding protection, on by default: a browser tricked into calling this server from a
 * hostile page sends that page's Host and Origin, so both must be a localhost name or listed in
 * server.allowed_hosts / allowed_origins ("*" accepts any). Probes and /metrics are not guarded:
 * kubelet and Prometheus call them by pod IP.
 */
export function hostGuard(settings: () => Config['server']): MiddlewareHandler {
  return async (c, next) => {
    const { allowed_hosts: hosts, allowed_origins: origins } = settings();
    const host = c.req.header('host') ?? '';
    if (
      !hosts.includes('*') &&
      !LOCAL.has(hostnameOf(host)) &&
      !hosts.includes(host) &&
      !hosts.includes(hostnameOf(host))
    ) {
      return errorResponse(
        c,
        new AppError('forbidden', `Host "${host}" is not allowed; add it to server.allowed_hosts`),
      );
    }
    const origin = c.req.header('origin');
    if (origin && !origins.includes('*') && !origins.includes(origin)) {
      let local = false;
      try {
        local = LOCAL.has(new URL(origin).hostname) || LOCAL.has(`[${new URL(origin).hostname}]`);
      } catch {}
      if (!local) {
        return errorResponse(
          c,
          new AppError('forbidden', `Origin "${origin}" is not allowed; add it to server.allowed_origins`),
        );
      }
    }
    await next();
  };
}
