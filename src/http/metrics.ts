import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Histogram } from 'prom-client';
import type { Core } from '../core/core.js';

const NAME = 'mahavishnu_request_duration_seconds';

/** The request histogram and the process metrics, registered once per core's registry. */
function requestHistogram(core: Core): Histogram<'route' | 'method' | 'status_class'> {
  const registry = core.metrics.registry;
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Histogram<'route' | 'method' | 'status_class'>;
  collectDefaultMetrics({ register: registry });
  return new Histogram({
    name: NAME,
    help: 'HTTP request latency in seconds (until the response starts; streams are not timed to their end), by route pattern, method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

const METHODS = new Set(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);

/**
 * Times every request. The route label is the matched route pattern (`/api/v1/tools/:name`), never
 * the raw path, and unknown methods collapse to OTHER, so a scanner cannot blow up the label set.
 */
export function requestMetrics(core: Core): MiddlewareHandler {
  const histogram = requestHistogram(core);
  const errors = core.metrics.errors;
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const route = routeLabel(c);
    histogram.observe(
      {
        route,
        method: METHODS.has(c.req.method) ? c.req.method : 'OTHER',
        status_class: `${Math.floor(status / 100)}xx`,
      },
      (performance.now() - started) / 1000,
    );
    if (status >= 500) errors.inc({ source: 'http', code: String(status) });
  };
}

function routeLabel(c: Context): string {
  const path = routePath(c);
  return path === '*' || path === '/*' || path === '' ? 'unmatched' : path;
}

/** GET /metrics in Prometheus text format. */
export async function metricsResponse(core: Core): Promise<Response> {
  const registry = core.metrics.registry;
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
}
