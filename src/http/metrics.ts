import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics } from 'prom-client';
import type { Core } from '../core/core.js';
import { RequestHistogram } from './request-histogram.js';

/** The request histogram and the process metrics, registered once per core's registry. */
function requestHistogram(core: Core): RequestHistogram {
  const registry = core.metrics.registry;
  if (!registry.getSingleMetric('mahavishnu_request_duration_seconds')) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool
    // check metrics rejects them); the per-type nodejs_active_handles/resources gauges remain
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      registry.removeSingleMetric(name);
  }
  return RequestHistogram.of(registry);
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
    histogram
      .series(
        routeLabel(c),
        METHODS.has(c.req.method) ? c.req.method : 'OTHER',
        `${Math.floor(status / 100)}xx`,
      )
      .observe((performance.now() - started) / 1000);
    if (status >= 500) errors.inc({ source: 'http', code: String(status) });
  };
}

/** The histogram's observe for one route answered outside Hono (the /health fast path). */
export function routeTimer(
  core: Core,
  route: string,
  method: string,
  status: number,
): (seconds: number) => void {
  const series = requestHistogram(core).series(route, method, `${Math.floor(status / 100)}xx`);
  return (seconds) => series.observe(seconds);
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
