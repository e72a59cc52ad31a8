import { randomUUID } from 'node:crypto';
import {
  type AuthInfo,
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpHttpHandler,
  type McpServer,
  type Transport,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { Core } from '../core/core.js';
import { AppError } from '../core/errors.js';
import type { Principal } from '../core/principal.js';
import type { Tool } from '../tools/define.js';
import { TOOLS } from '../tools/index.js';
import { type CallHeaders, type DirectCall, DirectCalls } from './direct-calls.js';
import { SessionEventStore } from './event-store.js';
import { onServedToolsChange } from './list-changed.js';
import { createMcpServer, type McpServerOptions, serverInfo } from './server.js';
import { SseTransport } from './sse.js';
import type { PrincipalOf } from './tools.js';

interface Session<T extends Transport> {
  transport: T;
  server: McpServer;
  /** Only the user who opened a session may use it (a session id is not a credential). */
  username: string;
  lastSeen: number;
}

const callHeaders = (req: Request): CallHeaders => ({
  version: req.headers.get('mcp-protocol-version'),
  method: req.headers.get('mcp-method'),
  name: req.headers.get('mcp-name'),
});

const rpcError = (status: number, code: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

/** The verified caller of one HTTP request travels to the tools in the SDK's authInfo. */
const authInfo = (principal: Principal): AuthInfo => ({
  token: '',
  clientId: principal.username,
  scopes: [principal.role],
  extra: { principal },
});

export const principalFromAuthInfo: PrincipalOf = (ctx) => {
  const p = ctx.http?.authInfo?.extra?.principal as Principal | undefined;
  if (!p) throw new AppError('unauthenticated', 'no verified caller on this request');
  return p;
};

export interface McpHttpOptions {
  tools?: readonly Tool[];
  extra?: McpServerOptions['extra'];
  /** Sessions unused for this long are closed (clients that vanished without DELETE). */
  idleMs?: number;
  /** False while the server drains: new sessions are refused, existing ones finish their calls. */
  accepting?: () => boolean;
  /** Most open sessions; a new one beyond it is refused with 503. */
  maxSessions?: number;
  /** Most open sessions of one user; a new one beyond it is refused with 429. */
  maxSessionsPerUser?: number;
}

/**
 * MCP over HTTP, three protocol generations on two paths:
 * - /mcp, 2026-07-28: stateless requests (each carries its `_meta` envelope; `server/discover`
 *   instead of initialize), answered by the SDK's createMcpHandler with one McpServer per request;
 * - /mcp, 2025-11-25 and earlier: Streamable HTTP sessions, one McpServer per session;
 * - /sse + /messages: legacy HTTP+SSE (2024-11-05), one McpServer per session.
 * `isLegacyRequest` (the SDK's own classifier) decides between the first two, so the two can never
 * disagree about a request. The caller is authenticated by the HTTP layer on every request and
 * handed over in authInfo, so a role change or a disabled user takes effect on the next message,
 * not the next session. Everything is web-standard Request → Response, so it runs inside the Hono
 * app (and its metrics, limits and timeouts) with no node-specific detour.
 */
export class McpHttp {
  private readonly streams = new Map<string, Session<WebStandardStreamableHTTPServerTransport>>();
  private readonly sse = new Map<string, Session<SseTransport>>();
  private readonly tools: readonly Tool[];
  private readonly extra: McpServerOptions['extra'];
  private readonly sweeper: NodeJS.Timeout;
  private readonly accepting: () => boolean;
  private readonly maxSessions: number;
  private readonly maxPerUser: number;
  private closed = false;
  /** The 2026-07-28 side of /mcp: stateless, one server per request. */
  private readonly modern: McpHttpHandler;
  private readonly direct: DirectCalls;

  constructor(
    private readonly core: Core,
    opts: McpHttpOptions = {},
  ) {
    this.tools = opts.tools ?? TOOLS;
    this.extra = opts.extra;
    this.accepting = opts.accepting ?? (() => true);
    this.maxSessions = opts.maxSessions ?? 1000;
    this.maxPerUser = opts.maxSessionsPerUser ?? 32;
    const idleMs = opts.idleMs ?? 30 * 60_000;
    this.sweeper = setInterval(() => this.sweep(idleMs), Math.min(idleMs, 60_000));
    this.sweeper.unref();
    this.direct = new DirectCalls(core, this.tools, serverInfo(core));
    this.modern = createMcpHandler((ctx) => this.newServer(ctx.era), {
      legacy: 'reject',
      onerror: (e) => core.log.debug({ err: e }, 'MCP request refused'),
    });
    onServedToolsChange(core, this.tools, () => {
      for (const s of [...this.streams.values(), ...this.sse.values()]) s.server.sendToolListChanged();
      // 2026-07-28 clients hear it on their subscriptions/listen streams
      this.modern.notify.toolsChanged();
    });
  }

  get sessionCount(): number {
    return this.streams.size + this.sse.size;
  }

  private newServer(era: 'legacy' | 'modern' = 'legacy'): McpServer {
    return createMcpServer(this.core, principalFromAuthInfo, { tools: this.tools, extra: this.extra, era });
  }

  private refuseDraining(): Response | undefined {
    if (!this.accepting() || this.closed)
      return rpcError(
        503,
        -32000,
        'the server is shutting down; connect to another replica or retry shortly',
      );
    return undefined;
  }

  private sessionsOf(): Map<string, Session<Transport>[]> {
    const by = new Map<string, Session<Transport>[]>();
    for (const map of [this.streams, this.sse] as Map<string, Session<Transport>>[])
      for (const s of map.values()) by.set(s.username, [...(by.get(s.username) ?? []), s]);
    return by;
  }

  /**
   * A new session is refused while draining, beyond the caller's own share, or when the server is
   * full and the caller already holds the most sessions. When it is full of someone else's, that
   * user's least recently used session is closed instead: one principal exhausting its share never
   * blocks another's initialize.
   */
  private refuseNew(principal: Principal): Response | undefined {
    const draining = this.refuseDraining();
    if (draining) return draining;
    const by = this.sessionsOf();
    const mine = by.get(principal.username)?.length ?? 0;
    if (mine >= this.maxPerUser)
      return rpcError(
        429,
        -32000,
        `${principal.username} has ${mine} open MCP sessions (server.max_mcp_sessions_per_user); close idle ones or retry later`,
      );
    if (this.sessionCount >= this.maxSessions) {
      const [, top] = [...by].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
      if (!top || top.length <= mine)
        return rpcError(
          503,
          -32000,
          'too many open MCP sessions (server.max_mcp_sessions); close idle sessions or retry later',
        );
      const oldest = top.sort((a, b) => a.lastSeen - b.lastSeen)[0]!;
      this.core.log.warn(
        { username: oldest.username },
        'MCP sessions full: closing the least recently used session of the biggest holder',
      );
      for (const map of [this.streams, this.sse] as Map<string, Session<Transport>>[])
        for (const [id, s] of map) if (s === oldest) map.delete(id);
      void oldest.server.close().catch(() => {});
    }
    return undefined;
  }

  /** One request on /mcp: 2026-07-28 stateless, or a 2025-era session (POST, GET or DELETE). */
  async streamable(req: Request, principal: Principal): Promise<Response> {
    const id = req.headers.get('mcp-session-id');
    // a POST the SDK would accept is read here once: the direct path looks at it, and the SDK is
    // handed the parsed body (its classifier would otherwise read a clone of the request)
    const read = req.method === 'POST' && this.direct.headersFit(req);
    let body: unknown;
    if (read) {
      try {
        body = await req.json();
      } catch {
        return rpcError(400, -32700, 'the body is not valid JSON');
      }
    }
    const parsed = read ? { parsedBody: body } : {};
    if (!id && !(await isLegacyRequest(req, parsed.parsedBody))) {
      // a stateless request is a new unit of work: refused while draining, as a new session is
      const refused = this.refuseDraining();
      if (refused) return refused;
      const call = read ? this.direct.match(body, callHeaders(req), true) : undefined;
      if (call) return this.answer(req, call, principal);
      return this.modern.fetch(req, { authInfo: authInfo(principal), ...parsed });
    }
    if (id) {
      const s = this.streams.get(id);
      if (!s || s.username !== principal.username)
        return rpcError(404, -32001, 'session not found; start a new one with initialize');
      s.lastSeen = Date.now();
      if (read) {
        const call = this.direct.match(body, callHeaders(req));
        if (call) return this.answer(req, call, principal, id);
        if (this.direct.cancel(id, body)) return new Response(null, { status: 202 });
      }
      return s.transport.handleRequest(req, { authInfo: authInfo(principal), ...parsed });
    }
    if (req.method !== 'POST')
      return rpcError(400, -32000, 'no mcp-session-id header; start a session with an initialize POST');
    if (!read) {
      try {
        body = await req.json();
      } catch {
        return rpcError(400, -32700, 'the body is not valid JSON');
      }
    }
    const init = Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
    if (!init) return rpcError(400, -32000, 'no mcp-session-id header; start a session with initialize');
    const refused = this.refuseNew(principal);
    if (refused) return refused;
    const server = this.newServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      // resumable: event ids, a priming event, and a replay for a reconnect with Last-Event-ID
      eventStore: new SessionEventStore(),
      retryInterval: 1000,
      onsessioninitialized: (sid) => {
        this.streams.set(sid, { transport, server, username: principal.username, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.streams.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(req, { parsedBody: body, authInfo: authInfo(principal) });
  }

  /** A direct call's answer: one JSON body (202 with none when it was cancelled). */
  private async answer(
    req: Request,
    call: DirectCall,
    principal: Principal,
    session?: string,
  ): Promise<Response> {
    const answer = await this.direct.answer(session, call, principal, req.signal);
    if (answer === undefined) return new Response(null, { status: 202 });
    return new Response(answer, {
      status: 200,
      headers: { 'content-type': 'application/json', ...(session ? { 'mcp-session-id': session } : {}) },
    });
  }

  /** GET /sse: open a legacy SSE session; its messages are POSTed to `endpoint`. */
  async openSse(principal: Principal, endpoint: string): Promise<Response> {
    const refused = this.refuseNew(principal);
    if (refused) return refused;
    const transport = new SseTransport(endpoint);
    const server = this.newServer();
    transport.onclose = () => this.sse.delete(transport.sessionId);
    this.sse.set(transport.sessionId, {
      transport,
      server,
      username: principal.username,
      lastSeen: Date.now(),
    });
    await server.connect(transport);
    return transport.response;
  }

  /** POST /messages?sessionId=…: one client message of a legacy SSE session. */
  async postSse(req: Request, principal: Principal): Promise<Response> {
    const id = new URL(req.url).searchParams.get('sessionId') ?? '';
    const s = this.sse.get(id);
    if (!s || s.username !== principal.username)
      return new Response('session not found; open a new one with GET /sse', { status: 404 });
    s.lastSeen = Date.now();
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return new Response('Invalid message: the body is not JSON', { status: 400 });
    }
    return s.transport.handlePost(body, authInfo(principal), req);
  }

  private sweep(idleMs: number) {
    const cutoff = Date.now() - idleMs;
    for (const map of [this.streams, this.sse] as Map<string, Session<Transport>>[])
      for (const s of map.values()) if (s.lastSeen < cutoff) void s.server.close().catch(() => {});
  }

  /** Close every session (their open streams end); used at shutdown. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    this.closed = true;
    await this.modern.close().catch(() => {});
    const all = [...this.streams.values(), ...this.sse.values()];
    await Promise.all(all.map((s) => s.server.close().catch(() => {})));
    this.streams.clear();
    this.sse.clear();
  }
}
