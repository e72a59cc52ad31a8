import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttpTransport,
} from '@modelcontextprotocol/client';
// the v1 SDK client is a real 2025-era client: it keeps the older revisions tested
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type Progress, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { reloadSettings } from '../src/core/config/reload.js';
import { MODERN_VERSIONS } from '../src/mcp/direct-calls.js';
import { TOOLS } from '../src/tools/index.js';
import { WITH_FIXTURES } from './fixtures/conformance/index.js';
import { rawSession, rpcBody, statelessRequest } from './helpers/raw-mcp.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

type Kind = 'streamable' | 'sse';

function transport(kind: Kind, url: string, token: string): Transport {
  const headers = bearer(token);
  if (kind === 'streamable') {
    return new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers } });
  }
  return new SSEClientTransport(new URL('/sse', url), {
    requestInit: { headers },
    eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }) },
  });
}

async function connect(kind: Kind, url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport(kind, url, token));
  return client;
}

describe.each(['streamable', 'sse'] as const)('MCP over HTTP (%s) with the SDK client', (kind) => {
  let t: TestServer;
  let client: Client;
  let adminToken: string;
  beforeAll(async () => {
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
    adminToken = await t.tokenFor('admin');
    client = await connect(kind, t.url, adminToken);
  });
  afterAll(async () => {
    await client?.close();
    await t.stop();
  });

  it('lists the same tools as stdio, plus the test fixtures a test server injects', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['auth_list_users', 'auth_create_token', 'test_slow']));
    expect(tools.find((x) => x.name === 'auth_list_users')?.annotations?.readOnlyHint).toBe(true);
  });

  it('calls a tool as the token’s user and returns structured content', async () => {
    const r = await client.callTool({
      name: 'auth_create_user',
      arguments: { username: `u-${kind}`, role: 'viewer' },
    });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ user: { username: `u-${kind}` } });
  });

  it('delivers progress notifications while a tool runs', async () => {
    const seen: Progress[] = [];
    const r = await client.callTool({ name: 'test_slow', arguments: { ms: 80, steps: 4 } }, undefined, {
      onprogress: (p) => seen.push(p),
    });
    expect(r.structuredContent).toMatchObject({ waited_ms: expect.any(Number) });
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(seen[0]).toMatchObject({ total: 4, message: 'step 1 of 4' });
  });

  it('passes cancellation to the tool (its signal aborts and the call ends as cancelled)', async () => {
    const abort = new AbortController();
    let running!: () => void;
    const firstProgress = new Promise<void>((r) => (running = r));
    const before = await t.core.metrics.toolCalls.get();
    const count = (v: typeof before) =>
      v.values.find((x) => x.labels.tool === 'test_slow' && x.labels.outcome === 'timeout')?.value ?? 0;
    const started = client
      .callTool({ name: 'test_slow', arguments: { ms: 20_000, steps: 100 } }, undefined, {
        signal: abort.signal,
        onprogress: () => running(),
      })
      .catch((e: Error) => e);
    // the call is running on the server once it reports progress; then cancel
    await firstProgress;
    abort.abort();
    expect(await started).toBeInstanceOf(Error);
    await waitFor(
      'the cancelled call in the metrics',
      async () => count(await t.core.metrics.toolCalls.get()) === count(before) + 1,
    );
  });

  it('applies the role from the store to the messages of a session, within the principal cache ttl', async () => {
    const token = await t.tokenFor('viewer', `dave-${kind}`);
    const viewer = await connect(kind, t.url, token);
    try {
      const r = await viewer.callTool({ name: 'auth_list_users', arguments: {} });
      expect(r.isError).toBe(true);
      expect(JSON.stringify(r.content)).toContain('needs role operator');
      // written past mahavishnu, so nothing invalidates the cached lookup: it holds for auth.principal_cache_ttl_s
      await t.core.db.query("UPDATE users SET role = 'operator' WHERE username = $1", [`dave-${kind}`]);
      await waitFor(
        'the new role to apply',
        async () => !(await viewer.callTool({ name: 'auth_list_users', arguments: {} })).isError,
        (t.core.config.auth.principal_cache_ttl_s + 5) * 1000,
      );
    } finally {
      await viewer.close();
    }
  });
});

describe('MCP over HTTP sessions', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
  });
  afterAll(async () => t.stop());

  it('does not let another user use a session id', async () => {
    const a = await t.tokenFor('admin', 'alice');
    const b = await t.tokenFor('admin', 'bob');
    const tr = new StreamableHTTPClientTransport(new URL('/mcp', t.url), {
      requestInit: { headers: bearer(a) },
    });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(tr);
    const r = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: {
        ...bearer(b),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': tr.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(r.status).toBe(404);
    await client.close();
  });

  it('answers a plain read-only call with one JSON body holding what a streamed call gets', async () => {
    const token = await t.tokenFor('admin');
    const { post, session } = await rawSession(t.url, token);
    const call = { method: 'tools/call', params: { name: 'auth_list_users', arguments: {} } };
    const plain = await post({ id: 'a', ...call });
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(plain.headers.get('mcp-session-id')).toBe(session);
    // biome-ignore lint/suspicious/noExplicitAny: a JSON-RPC answer read as JSON
    const direct: any = await plain.json();
    // asking for progress takes the SDK's stream: the same result arrives as an SSE event
    const streamed = await post({
      id: 'b',
      ...call,
      params: { ...call.params, _meta: { progressToken: 'p' } },
    });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const event = /^data: (\{.*"id":"b".*\})$/m.exec(await streamed.text());
    const viaSdk = JSON.parse(event![1]!);
    expect(direct.id).toBe('a');
    expect(direct.result).toEqual(viaSdk.result);
    expect(JSON.parse(direct.result.content[0].text)).toEqual(direct.result.structuredContent);
    expect(direct.result.structuredContent.users.length).toBeGreaterThan(0);
    // errors, unknown keys and versions are answered as before: a tool error result, the SDK's refusals
    // biome-ignore lint/suspicious/noExplicitAny: a JSON-RPC answer read as JSON
    const bad: any = await (
      await post({ id: 'c', ...call, params: { ...call.params, arguments: { nope: 1 } } })
    ).json();
    expect(bad.result.isError).toBe(true);
    expect(bad.result.content[0].text).toMatch(/^invalid_input: .*nope/);
    expect((await post({ id: 'd', ...call }, '1999-01-01')).status).toBe(400);
    // a session is a 2025-era transport: the stateless revision's header is refused there, as the SDK does
    expect((await post({ id: 'd2', ...call }, '2026-07-28')).status).toBe(400);
    const unknown = await post({ id: 'e', method: 'tools/call', params: { name: 'no_such_tool' } });
    expect(await unknown.text()).toMatch(/not_found: unknown tool \\"no_such_tool\\"/);
  });

  it('refuses a session beyond server.max_mcp_sessions with 503', async () => {
    const small = await startTestServer({ server: { max_mcp_sessions: 1 } });
    try {
      const token = await small.tokenFor('viewer');
      const first = await connect('streamable', small.url, token);
      const second = new Client({ name: 'test', version: '1.0.0' });
      await expect(second.connect(transport('sse', small.url, token))).rejects.toThrow();
      await first.close();
    } finally {
      await small.stop();
    }
  });

  it('refuses new sessions once draining, and /ready turns 503', async () => {
    const token = await t.tokenFor('admin');
    t.server.state.draining = true;
    try {
      expect((await fetch(`${t.url}/ready`)).status).toBe(503);
      const r = await fetch(`${t.url}/api/v1/tools/auth_list_users`, {
        method: 'POST',
        headers: bearer(token),
      });
      expect(r.status).toBe(503);
      const client = new Client({ name: 'test', version: '1.0.0' });
      await expect(client.connect(transport('streamable', t.url, token))).rejects.toThrow(
        /shutting down|503/,
      );
    } finally {
      t.server.state.draining = false;
    }
  });
});

describe('MCP over HTTP, spec 2026-07-28: a v2 SDK client negotiates the modern era on /mcp', () => {
  let t: TestServer;
  let client: ModernClient;
  beforeAll(async () => {
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
    client = new ModernClient({ name: 'modern', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new ModernHttpTransport(new URL('/mcp', t.url), {
        requestInit: { headers: bearer(await t.tokenFor('admin')) },
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
    await t.stop();
  });

  it('negotiates 2026-07-28 and calls tools as the token’s user', async () => {
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toContain('auth_create_user');
    const r = await client.callTool({
      name: 'auth_create_user',
      arguments: { username: 'modern.u', role: 'viewer' },
    });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ user: { username: 'modern.u' } });
    expect((await t.core.users.get('modern.u'))?.role).toBe('viewer');
  });

  it('answers a plain read-only call on the direct path with what the SDK answers', async () => {
    expect(MODERN_VERSIONS).toContain(client.getNegotiatedProtocolVersion());
    const token = await t.tokenFor('admin');
    const call = async (id: number, meta: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const r = await statelessRequest(
        t.url,
        token,
        'tools/call',
        { name: 'auth_list_users', arguments: {} },
        { id, meta, headers },
      );
      return { status: r.status, body: await rpcBody(r) };
    };
    const direct = await call(1, {});
    // a progress token is more than the direct path takes: the SDK answers this one
    const viaSdk = await call(2, { progressToken: 'p' });
    expect(direct.body.result).toEqual(viaSdk.body.result);
    expect(direct.body.result.resultType).toBe('complete');
    expect(direct.body.result.structuredContent.users.length).toBeGreaterThan(0);
    // a request whose headers disagree with its body is the SDK's to refuse, as before
    expect((await call(3, {}, { 'mcp-name': 'auth_create_user' })).status).toBe(400);
    const noCaps = await call(4, { 'io.modelcontextprotocol/clientCapabilities': undefined });
    expect([noCaps.status, noCaps.body.error?.code]).toEqual([400, -32602]);
    // and the v2 SDK client reads the direct answer as any other
    const r = await client.callTool({ name: 'auth_list_users', arguments: {} });
    expect(r.structuredContent).toEqual(direct.body.result.structuredContent);
  });

  it('delivers progress on the request’s own stream', async () => {
    const seen: number[] = [];
    await client.callTool(
      { name: 'test_slow', arguments: { ms: 80, steps: 4 } },
      {
        onprogress: (p) => seen.push(p.progress),
      },
    );
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});

describe('MCP tools/list: role-aware, and list_changed when a reload changes it', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  it('shows a viewer only the viewer tools, and tells a connected client when a reload disables a group', async () => {
    const viewer = await connect('streamable', t.url, await t.tokenFor('viewer'));
    const admin = await connect('streamable', t.url, await t.tokenFor('admin'));
    try {
      const viewerTools = (await viewer.listTools()).tools.map((x) => x.name);
      const viewerNames = TOOLS.filter((x) => x.role === 'viewer').map((x) => x.name);
      expect(viewerTools.sort()).toEqual(viewerNames.sort());
      expect(viewerTools).not.toContain('auth_list_users');
      expect((await admin.listTools()).tools.map((x) => x.name)).toContain('backup_create');

      let changed = 0;
      admin.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
      // the same settings file the test server was started from, plus a policy that hides backups
      const file = join(t.core.settings.dir, 'mahavishnu.yaml');
      const settings = parse(readFileSync(file, 'utf8'));
      writeFileSync(file, stringify({ ...settings, policy: { disabled_tools: ['backup'] } }));
      expect(await reloadSettings(t.core)).toMatchObject({ applied: true });
      await waitFor('notifications/tools/list_changed', () => changed === 1);
      const after = (await admin.listTools()).tools.map((x) => x.name);
      expect(after).not.toContain('backup_create');
      expect(after).toContain('auth_list_users');
      // a reload that leaves the served list alone sends nothing
      expect(await reloadSettings(t.core)).toMatchObject({ applied: true });
      await new Promise((r) => setTimeout(r, 300));
      expect(changed).toBe(1);
    } finally {
      await viewer.close();
      await admin.close();
    }
  });
});
