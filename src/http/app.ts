import { Hono } from 'hono';
import type { Core } from '../core/core.js';
import { AppError } from '../core/errors.js';
import type { McpHttp } from '../mcp/http.js';
import type { Tool } from '../tools/define.js';
import { actionApi } from './api.js';
import { approvalRoutes } from './approvals/routes.js';
import { bearer, type Env, errorResponse } from './auth.js';
import { bodyLimit } from './body-limit.js';
import { hostGuard } from './guard.js';
import { metricsResponse, requestMetrics } from './metrics.js';
import { probes } from './probes.js';
import { resourceMetadataRoutes } from './resource-metadata.js';
import type { ServerState } from './state.js';

export interface AppDeps {
  core: Core;
  state: ServerState;
  mcp: McpHttp;
  tools: readonly Tool[];
}

/**
 * The one HTTP app: open probes, /metrics, the JWKS; then, behind the Host/Origin guard, the body
 * limit and bearer auth, MCP over Streamable HTTP (/mcp) and legacy SSE (/sse + /messages) and the
 * action API (/api/v1/tools/<name>).
 */
export function createApp({ core, state, mcp, tools }: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', requestMetrics(core));
  app.route('/', probes(core, state));

  // with server.metrics_port the metrics listener serves /metrics; this port does not
  if (core.config.server.metrics_port === undefined) metricsRoute(app, core);
  app.get('/.well-known/jwks.json', async (c) => c.json(await core.keys.jwks()));
  resourceMetadataRoutes(app, core);

  const guard = hostGuard(() => core.config.server);
  const limit = bodyLimit({
    maxSize: core.config.server.body_limit_bytes,
    onError: (c) =>
      errorResponse(
        c,
        new AppError(
          'too_large',
          `the request body is larger than server.body_limit_bytes (${core.config.server.body_limit_bytes}); send less, or raise the limit`,
        ),
        // the rest of the body is never read, so this connection cannot carry another request
        { connection: 'close' },
      ),
  });
  app.use('/mcp', guard, limit, bearer(core, 'http'));
  app.use('/sse', guard, bearer(core, 'sse'));
  app.use('/messages', guard, limit, bearer(core, 'sse'));
  app.use('/api/*', guard, limit, bearer(core, 'api'));
  // the approval page: people sign in with a password there; bearer tokens are not accepted
  app.use('/approvals', guard, limit);
  app.use('/approvals/*', guard, limit);
  app.route('/approvals', approvalRoutes(core));

  app.on(['GET', 'POST', 'DELETE'], '/mcp', (c) => mcp.streamable(c.req.raw, c.get('principal')));
  app.get('/sse', (c) => mcp.openSse(c.get('principal'), '/messages'));
  app.post('/messages', (c) => mcp.postSse(c.req.raw, c.get('principal')));
  app.route('/', actionApi(core, tools, state));

  app.notFound((c) => errorResponse(c, new AppError('not_found', `no route ${c.req.method} ${c.req.path}`)));
  app.onError((e, c) => {
    core.log.error({ err: e, path: c.req.path }, 'unhandled error in an HTTP handler');
    return errorResponse(c, new AppError('internal', 'internal error; the details are in the server log'));
  });
  return app;
}

/** GET /metrics, behind a bearer token when server.metrics_require_token says so. */
export function metricsRoute(app: Hono<Env>, core: Core): void {
  const metricsAuth = bearer(core, 'api');
  app.get(
    '/metrics',
    (c, next) => (core.config.server.metrics_require_token ? metricsAuth(c, next) : next()),
    () => metricsResponse(core),
  );
}

/** The metrics listener's app (server.metrics_port): /metrics only. */
export function metricsApp(core: Core): Hono<Env> {
  const app = new Hono<Env>();
  metricsRoute(app, core);
  app.notFound((c) => errorResponse(c, new AppError('not_found', 'this port serves GET /metrics only')));
  return app;
}
