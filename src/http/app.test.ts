import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCore } from '../../test/helpers/core.js';
import type { Core } from '../core/core.js';
import { McpHttp } from '../mcp/http.js';
import { TOOLS } from '../tools/index.js';
import { createApp } from './app.js';
import type { ServerState } from './state.js';

/**
 * The fast layer for HTTP: the production Hono app, called with app.request() (no socket), on a
 * real embedded store. Socket-level behaviour (timeouts, keep-alive, drain) is in test/.
 */
describe('createApp through app.request()', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  let mcp: McpHttp;
  let app: ReturnType<typeof createApp>;
  const state: ServerState = { draining: false };

  const token = async (role: 'viewer' | 'operator' | 'admin') => {
    const username = `fast.${role}`;
    if (!(await core.users.get(username))) await core.users.create({ username, role });
    return (await core.tokens.mint(username, 600)).token;
  };
  /** A request as a local client sends it (a Request built here carries no Host header by itself). */
  const req = (path: string, init: RequestInit = {}) =>
    app.request(`http://localhost${path}`, {
      ...init,
      headers: { host: 'localhost', ...(init.headers as Record<string, string>) },
    });
  const call = (tool: string, input: unknown, bearer?: string) =>
    req(`/api/v1/tools/${tool}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(input),
    });

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite'));
    mcp = new McpHttp(core, { tools: TOOLS });
    app = createApp({ core, state, mcp, tools: TOOLS });
  });
  afterAll(async () => {
    await mcp.closeAll();
    await cleanup();
  });

  it('/health answers 200 with the version, /ready 200, without a token', async () => {
    const health = await req('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: core.version });
    const ready = await req('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('/ready answers 503 with the reason while the server drains', async () => {
    state.draining = true;
    try {
      const r = await req('/ready');
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({
        status: 'not_ready',
        reasons: [expect.stringContaining('draining')],
      });
    } finally {
      state.draining = false;
    }
  });

  it('/health/components lists the state store as a critical component', async () => {
    const r = await req('/health/components');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { components: Record<string, unknown> };
    expect(body.components.state_store).toMatchObject({ status: 'healthy', critical: true });
  });

  it('/metrics is Prometheus text with build info and the request histogram by route pattern', async () => {
    await req('/health');
    const r = await req('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    expect(text).toMatch(/mahavishnu_build_info\{version="[^"]+"/);
    expect(text).toContain(
      'mahavishnu_request_duration_seconds_count{route="/health",method="GET",status_class="2xx"}',
    );
  });

  it('answers 401 with a Bearer challenge without a token or with a bad one, on /mcp and the action API', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      const api = await req('/api/v1/tools/auth_list_users', { method: 'POST', headers });
      expect(api.status).toBe(401);
      expect(api.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const m = await req('/mcp', { method: 'POST', headers });
      expect(m.status).toBe(401);
    }
  });

  it('runs a tool for a role that may, refuses one that may not (403, naming the role)', async () => {
    const ok = await call('auth_list_users', {}, await token('operator'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, result: { users: expect.any(Array) } });
    const refused = await call('auth_list_users', {}, await token('viewer'));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain('needs role operator');
  });

  it('answers invalid input with 400 naming the key, and an unknown tool with 404 and a suggestion', async () => {
    const admin = await token('admin');
    const bad = await call('auth_create_user', { usernme: 'x', role: 'viewer' }, admin);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('did you mean \\"username\\"');
    const unknown = await call('auth_list_user', {}, admin);
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(await unknown.json())).toContain('auth_list_users');
  });

  it('refuses a Host it does not serve before authentication', async () => {
    const r = await req('/api/v1/tools/auth_list_users', {
      method: 'POST',
      headers: { host: 'evil.example', authorization: `Bearer ${await token('operator')}` },
    });
    expect(r.status).toBe(403);
    expect(JSON.stringify(await r.json())).toContain('server.allowed_hosts');
  });
});
