import { request } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, json, startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

/** A request with exactly these headers (fetch will not let a caller set Host). */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const call = (t: TestServer, tool: string, input: unknown, token?: string) =>
  fetch(`${t.url}/api/v1/tools/${tool}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) },
    body: JSON.stringify(input),
  });

describe('probes and metrics over a real socket', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('/health answers 200 with the version and no token', async () => {
    const r = await fetch(`${t.url}/health`);
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ status: 'ok', version: t.core.version });
  });

  it('/ready answers 200 when migrations are done and the store answers', async () => {
    const r = await fetch(`${t.url}/ready`);
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ status: 'ready' });
  });

  it('/health/components lists each component keyed by name, 200 while healthy', async () => {
    const r = await fetch(`${t.url}/health/components`);
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body.status).toBe('healthy');
    expect(body.components.state_store).toMatchObject({
      status: 'healthy',
      critical: true,
      latency_ms: expect.any(Number),
      checked_at: expect.any(String),
      message: expect.any(String),
      details: expect.any(Object),
    });
  });

  it('/health/components answers 503 when a critical component is unhealthy, degraded for a non-critical one', async () => {
    t.core.health.register({
      name: 'circuit_breaker_main',
      critical: false,
      check: async () => ({ status: 'unhealthy', message: 'open' }),
    });
    let r = await fetch(`${t.url}/health/components`);
    expect(r.status).toBe(200);
    let body = await json(r);
    expect(body.status).toBe('degraded');
    expect(body.components.circuit_breaker_main).toMatchObject({ status: 'unhealthy', message: 'open' });

    t.core.health.register({
      name: 'backup_storage',
      critical: true,
      check: async () => ({ status: 'unhealthy', message: 'bucket unreachable' }),
    });
    r = await fetch(`${t.url}/health/components`);
    expect(r.status).toBe(503);
    body = await json(r);
    expect(body.status).toBe('unhealthy');
    // liveness never looks at components
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    t.core.health.unregister('backup_storage');
    t.core.health.unregister('circuit_breaker_main');
  });

  it('/metrics is Prometheus text with process metrics, build info and the request histogram by route pattern', async () => {
    await fetch(`${t.url}/health`);
    await call(t, 'no_such_tool', {}, await t.tokenFor('viewer'));
    const r = await fetch(`${t.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/mahavishnu_build_info\{version="[^"]+",node_version="v\d+/);
    expect(text).toContain(
      'mahavishnu_request_duration_seconds_count{route="/health",method="GET",status_class="2xx"}',
    );
    // the pattern, never the raw path (no_such_tool must not become a label value)
    expect(text).toContain('route="/api/v1/tools/:name"');
    expect(text).not.toContain('no_such_tool');
    expect(text).not.toMatch(/^up[ {]/m);
  });

  it('/ready answers 503 while migrations are pending', async () => {
    const other = await startTestServer();
    await other.core.db.query('DELETE FROM schema_migrations WHERE version = 30');
    const r = await fetch(`${other.url}/ready`);
    expect(r.status).toBe(503);
    expect((await json(r)).reasons[0]).toMatch(/migrations pending: 30;/);
    await other.stop();
  });

  it('/ready answers 503 with the reason when the state store does not answer', async () => {
    const other = await startTestServer();
    await other.core.db.close();
    const r = await fetch(`${other.url}/ready`);
    expect(r.status).toBe(503);
    const body = await json(r);
    expect(body.status).toBe('not_ready');
    expect(body.reasons.join(' ')).toMatch(/state store|schema/);
    await other.server.shutdown(100);
  });
});

describe.each(['sqlite', 'postgres'] as const)(
  'bearer tokens, roles from the store, and the Host/Origin guard (%s)',
  (kind) => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({}, kind);
    });
    afterAll(async () => t.stop());

    it('answers 401 with a Bearer challenge without a token, on /mcp, /sse and the action API', async () => {
      for (const [method, path] of [
        ['POST', '/mcp'],
        ['GET', '/sse'],
        ['POST', '/api/v1/tools/auth_list_users'],
      ] as const) {
        const r = await fetch(`${t.url}${path}`, { method });
        expect(r.status, path).toBe(401);
        // RFC 9728: the challenge points to the metadata of the resource (path-suffixed for MCP)
        const suffix = path === '/mcp' || path === '/sse' ? path : '';
        expect(r.headers.get('www-authenticate')).toBe(
          `Bearer realm="mahavishnu", resource_metadata="${t.url}/.well-known/oauth-protected-resource${suffix}"`,
        );
        expect((await json(r)).error.code).toBe('unauthenticated');
      }
    });

    it('answers 401 invalid_token for a forged, an expired or a wrong-audience token', async () => {
      const good = await t.tokenFor('viewer');
      const [h, p] = good.split('.');
      const forged = `${h}.${p}.${'A'.repeat(86)}`;
      const { kid, key } = await t.core.keys.active();
      const sign = (aud: string, exp: number) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'EdDSA', kid })
          .setSubject('viewer.1')
          .setAudience(aud)
          .setIssuer('mahavishnu')
          .setExpirationTime(exp)
          .sign(key);
      const expired = await sign('mahavishnu', Math.floor(Date.now() / 1000) - 10);
      const otherAud = await sign('someone-else', Math.floor(Date.now() / 1000) + 60);
      for (const [token, why] of [
        [forged, /signature/],
        [expired, /expired/],
        [otherAud, /aud/],
        ['not-a-jwt', /not a JWT/],
      ] as const) {
        const r = await call(t, 'auth_list_users', {}, token);
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
        expect((await json(r)).error.message).toMatch(why);
      }
    });

    it('reads the role from the store, and refuses a disabled user, within the principal cache ttl', async () => {
      const token = await t.tokenFor('viewer', 'carol');
      let r = await call(t, 'auth_list_users', {}, token);
      expect(r.status).toBe(403);
      expect((await json(r)).error.message).toContain('needs role operator');
      // written past mahavishnu, so nothing invalidates the cached lookup: it applies within auth.principal_cache_ttl_s
      const ttlMs = (t.core.config.auth.principal_cache_ttl_s + 5) * 1000;
      await t.core.db.query("UPDATE users SET role = 'operator' WHERE username = 'carol'");
      await waitFor(
        'the new role',
        async () => (await call(t, 'auth_list_users', {}, token)).status === 200,
        ttlMs,
      );
      await t.core.db.query("UPDATE users SET disabled = 1 WHERE username = 'carol'");
      await waitFor(
        'carol refused',
        async () => {
          r = await call(t, 'auth_list_users', {}, token);
          return r.status === 401;
        },
        ttlMs,
      );
      expect((await json(r)).error.message).toContain('disabled');
    });

    it('publishes the public signing keys as JWKS, with no private parts', async () => {
      const r = await fetch(`${t.url}/.well-known/jwks.json`);
      const jwks = await json(r);
      expect(jwks.keys.length).toBeGreaterThan(0);
      expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(JSON.stringify(jwks)).not.toContain('"d"');
    });

    it('answers 403 to a Host or Origin that is not allowed (DNS-rebinding protection), before auth', async () => {
      const token = await t.tokenFor('admin');
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
      const evilHost = await raw(`${t.url}/mcp`, {
        method: 'POST',
        headers: { host: 'evil.example:80', 'content-type': 'application/json', ...bearer(token) },
        body,
      });
      expect(evilHost.status).toBe(403);
      expect(evilHost.body).toContain('server.allowed_hosts');
      const evilOrigin = await raw(`${t.url}/api/v1/tools/auth_list_users`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', ...bearer(token) },
      });
      expect(evilOrigin.status).toBe(403);
      const localOrigin = await raw(`${t.url}/api/v1/tools/auth_list_users`, {
        method: 'POST',
        headers: { origin: 'http://localhost:3000', ...bearer(token) },
      });
      expect(localOrigin.status).toBe(200);
      // probes stay open to any Host: kubelet calls them by pod IP
      expect((await raw(`${t.url}/health`, { headers: { host: '10.1.2.3:8080' } })).status).toBe(200);
    });

    it('refuses a body over server.body_limit_bytes with 413', async () => {
      const token = await t.tokenFor('admin');
      const r = await call(t, 'auth_create_user', { username: 'x'.repeat(2_000_000), role: 'viewer' }, token);
      expect(r.status).toBe(413);
      expect((await json(r)).error).toMatchObject({ code: 'too_large', retryable: false });
    });

    it('maps error codes to HTTP statuses through the action API', async () => {
      const token = await t.tokenFor('admin');
      let r = await call(t, 'auth_create_user', { usernme: 'x', role: 'viewer' }, token);
      expect(r.status).toBe(400);
      expect((await json(r)).error).toMatchObject({ code: 'invalid_input' });
      r = await call(t, 'auth_create_user', { username: 'dup', role: 'viewer' }, token);
      expect(r.status).toBe(200);
      r = await call(t, 'auth_create_user', { username: 'dup', role: 'viewer' }, token);
      expect(r.status).toBe(409);
      r = await call(t, 'auth_lst_users', {}, token);
      expect(r.status).toBe(404);
      expect((await json(r)).error.message).toContain('did you mean "auth_list_users"');
    });

    it('puts /metrics behind a token when server.metrics_require_token is on', async () => {
      const locked = await startTestServer({ server: { metrics_require_token: true } });
      try {
        expect((await fetch(`${locked.url}/metrics`)).status).toBe(401);
        const ok = await fetch(`${locked.url}/metrics`, { headers: bearer(await locked.tokenFor('viewer')) });
        expect(ok.status).toBe(200);
        expect(await ok.text()).toContain('mahavishnu_build_info');
        expect((await fetch(`${locked.url}/health`)).status).toBe(200);
      } finally {
        await locked.stop();
      }
    });

    it('serves /metrics on its own address with server.metrics_port, and not on the main port', async () => {
      const split = await startTestServer({ server: { metrics_host: '127.0.0.1', metrics_port: 0 } });
      try {
        expect(split.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(split.server.metricsUrl).not.toBe(split.url);
        const m = await fetch(`${split.server.metricsUrl}/metrics`);
        expect(m.status).toBe(200);
        expect(await m.text()).toContain('mahavishnu_build_info');
        expect((await fetch(`${split.url}/metrics`)).status).toBe(404);
        // the metrics port serves nothing else
        expect((await fetch(`${split.server.metricsUrl}/api/v1/tools/auth_list_users`)).status).toBe(404);
        expect((await fetch(`${split.url}/health`)).status).toBe(200);
      } finally {
        await split.stop();
      }
    });
  },
);
