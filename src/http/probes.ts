import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { clientSafeText, safeValue } from '../core/client-safe.js';
import type { Core } from '../core/core.js';
import { Health } from '../core/health/health.js';
import { MIGRATIONS } from '../core/sql/migrations.js';
import type { ServerState } from './state.js';

/**
 * Kubernetes probes. /health is liveness (the process answers; nothing else is checked, so a slow
 * database never gets the pod killed). /ready is readiness: migrations done, state store answering,
 * not draining. /health/components is for people and dashboards. All three stay open (no token).
 */
export function probes(core: Core, state: ServerState): Hono {
  const app = new Hono();
  // Readiness looks at the state store only (a slow backup bucket must not take the pod out of
  // the load balancer), cached like the component checks so a probe storm is not a database storm.
  let cached: { at: number; value: Promise<string[]> } | undefined;
  const storeProblems = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 2000) cached = { at: now, value: checkStore(core) };
    return cached.value;
  };

  app.get('/health', (c) => c.json(health(core)));

  app.get('/ready', async (c) => {
    const reasons: string[] = [];
    if (state.draining) reasons.push('the server is shutting down (draining)');
    else reasons.push(...(await storeProblems()));
    if (reasons.length > 0) return c.json({ status: 'not_ready', reasons: reasons.map(clientSafeText) }, 503);
    return c.json({ status: 'ready' });
  });

  app.get('/health/components', async (c) => {
    const list = await core.health.components();
    const status = Health.overall(list);
    const components: Record<string, unknown> = {};
    for (const { name, ...rest } of list) {
      components[name] = {
        status: rest.status,
        message: clientSafeText(rest.message),
        latency_ms: rest.latency_ms,
        checked_at: rest.checked_at,
        critical: rest.critical,
        details: safeValue(rest.details ?? {}),
      };
    }
    return c.json({ status, version: core.version, components }, status === 'unhealthy' ? 503 : 200);
  });

  return app;
}

/** The liveness answer: the process answers; nothing else is checked. */
const health = (core: Core) => ({
  status: 'ok',
  version: core.version,
  uptime_s: Math.floor((Date.now() - core.startedAt) / 1000),
});

/**
 * `GET /health` answered on node:http before the request reaches Hono (the server calls this
 * first and passes the request on when it returns false). A liveness probe needs no router, no
 * Request/Response objects, no guard and no auth: taking those away is what brings /health to the
 * speed of a bare node:http server (docs/performance.md). It is still timed in the request
 * histogram, under the same labels the Hono route would give it.
 */
export function healthFastPath(
  core: Core,
  observe: (seconds: number) => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.url !== '/health' || req.method !== 'GET') return false;
    const started = performance.now();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(health(core)));
    observe((performance.now() - started) / 1000);
    return true;
  };
}

async function checkStore(core: Core): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      core.db.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 3 s')), 3000);
      }),
    ]);
  } catch (e) {
    // the probe is open to anyone: the reason says what, the log says where
    core.log.warn({ err: e }, 'readiness: the state store does not answer');
    return [`state store: ${clientSafeText((e as Error).message)}`];
  } finally {
    clearTimeout(timer);
  }
  // every migration this build knows must be applied (versions are spaced by domain, so the
  // highest one says nothing about the others)
  const rows = await core.db
    .query<{ version: number }>('SELECT version FROM schema_migrations')
    .catch(() => undefined);
  if (!rows) return ['the applied migrations cannot be read'];
  const applied = new Set(rows.map((r) => Number(r.version)));
  const pending = MIGRATIONS.filter((m) => !applied.has(m.version)).map((m) => m.version);
  return pending.length > 0 ? [`migrations pending: ${pending.join(', ')}; restart to apply them`] : [];
}
