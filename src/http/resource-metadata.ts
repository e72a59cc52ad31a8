import type { Context, Hono } from 'hono';
import type { Core } from '../core/core.js';
import type { Env } from './auth.js';

/** RFC 9728: where a client finds how to authorize for this server. */
export const METADATA_PATH = '/.well-known/oauth-protected-resource';
/** The protected paths with their own (path-suffixed) metadata; everything else is the root resource. */
const RESOURCE_PATHS = ['/mcp', '/sse', '/messages'];

/** The base URL clients reach this server by: from oidc.resource when set, else from the request. */
function origin(core: Core, requestUrl: string): string {
  const configured = core.config.oidc.resource;
  return new URL(configured || requestUrl).origin;
}

/** The resource a request path belongs to, and the URL of its metadata document. */
export function resourceOf(
  core: Core,
  requestUrl: string,
  path: string,
): { resource: string; metadata: string } {
  const base = origin(core, requestUrl);
  const suffix = RESOURCE_PATHS.includes(path) ? path : '';
  const resource =
    suffix === '/mcp' && core.config.oidc.resource ? core.config.oidc.resource : `${base}${suffix || '/'}`;
  return { resource, metadata: `${base}${METADATA_PATH}${suffix}` };
}

const quoted = (s: string) => s.replace(/["\\]/g, "'");

/**
 * The WWW-Authenticate challenge of a 401: the realm, the metadata URL (RFC 9728 §5.1) and, when
 * a token was presented and refused, why (RFC 6750).
 */
export function challenge(c: Context, core: Core, refusal?: string): string {
  const { metadata } = resourceOf(core, c.req.url, c.req.path);
  return [
    'Bearer realm="mahavishnu"',
    `resource_metadata="${metadata}"`,
    ...(refusal ? ['error="invalid_token"', `error_description="${quoted(refusal)}"`] : []),
  ].join(', ');
}

/**
 * The metadata documents, open (no token): the root one and one per protected path. They name the
 * external OpenID Connect issuer as the authorization server when one is configured; tokens that
 * `mahavishnu auth create-token` mints are accepted besides.
 */
export function resourceMetadataRoutes(app: Hono<Env>, core: Core): void {
  const serve = (c: Context) => {
    const path = c.req.path.slice(METADATA_PATH.length) || '/';
    const { resource } = resourceOf(core, c.req.url, path);
    const { issuer } = core.config.oidc;
    return c.json(
      {
        resource,
        ...(issuer ? { authorization_servers: [issuer] } : {}),
        bearer_methods_supported: ['header'],
        resource_name: 'mahavishnu',
      },
      200,
      { 'cache-control': 'max-age=300' },
    );
  };
  app.get(METADATA_PATH, serve);
  for (const p of RESOURCE_PATHS) app.get(`${METADATA_PATH}${p}`, serve);
}
