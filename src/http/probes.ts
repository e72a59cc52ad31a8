import { Hono } from 'hono';
import type { Core } from '../core/core.js';
import { Health } from '../core/health/health.js';
import { currentSchemaVersion, SCHEMA_VERSION } from '../core/store/migrations.js';
import type { ServerState } from './state.js';

/**
 * Kubernetes probes. /health is liveness (the process answers; nothing else is checked, so a slow
 * database never gets the pod killed). /ready is readiness: migrations done, state store answering,
 * not draining. /health/components is for people and dashboards. All three stay open (no token).
 */
export function probes(core: Core, state: ServerState): Hono {
  const app = new Hono();
  let schema: { at: number; version: Promise<number> } | undefined;
  // cached like the component checks, so a probe storm does not become a database storm
  const schemaVersion = () => {
    const now = Date.now();
    if (!schema || now - schema.at > 2000) {
      schema = { at: now, version: currentSchemaVersion(core.db).catch(() => -1) };
    }
    return schema.version;
  };

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: core.version,
      uptime_s: Math.floor((Date.now() - core.startedAt) / 1000),
    }),
  );

  app.get('/ready', async (c) => {
    const reasons: string[] = [];
    if (state.draining) reasons.push('the server is shutting down (draining)');
    else {
      const [version, components] = await Promise.all([schemaVersion(), core.health.components()]);
      if (version < SCHEMA_VERSION)
        reasons.push(
          version < 0
            ? 'the schema version cannot be read'
            : `migrations pending: schema ${version}, this build needs ${SCHEMA_VERSION}`,
        );
      const store = components.find((x) => x.name === 'state_store');
      if (!store || store.status === 'unhealthy')
        reasons.push(`state store: ${store?.message ?? 'no state_store component registered'}`);
    }
    if (reasons.length > 0) return c.json({ status: 'not_ready', reasons }, 503);
    return c.json({ status: 'ready' });
  });

  app.get('/health/components', async (c) => {
    const list = await core.health.components();
    const status = Health.overall(list);
    const components: Record<string, unknown> = {};
    for (const { name, ...rest } of list) {
      components[name] = {
        status: rest.status,
        message: rest.message,
        latency_ms: rest.latency_ms,
        checked_at: rest.checked_at,
        critical: rest.critical,
        details: rest.details ?? {},
      };
    }
    return c.json({ status, version: core.version, components }, status === 'unhealthy' ? 503 : 200);
  });

  return app;
}
