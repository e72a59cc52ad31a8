import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { shutdownPlan } from '../core/config/shutdown.js';
import type { Core } from '../core/core.js';
import { McpHttp } from '../mcp/http.js';
import type { McpServerOptions } from '../mcp/server.js';
import type { Tool } from '../tools/define.js';
import { TOOLS } from '../tools/index.js';
import { createApp, metricsApp } from './app.js';
import { routeTimer } from './metrics.js';
import { healthFastPath } from './probes.js';
import type { ServerState } from './state.js';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** The tools served over MCP and the action API (default: TOOLS). */
  tools?: readonly Tool[];
  /** Registers more on each MCP session's server (tests add the conformance fixtures this way). */
  mcpExtra?: McpServerOptions['extra'];
}

export interface RunningServer {
  url: string;
  /** The separate metrics listener's URL (server.metrics_port), when there is one. */
  metricsUrl?: string;
  port: number;
  host: string;
  state: ServerState;
  /** Requests being answered now, long-lived event streams (GET /sse, GET /mcp) excepted. */
  inFlight: () => number;
  /**
   * Graceful stop: /ready answers 503 and new sessions and calls are refused at once; calls in
   * flight get up to drainMs to finish, and the port stays open at least holdMs; then sessions
   * close and the socket closes. Resolves with whether everything finished in time. The core is
   * not closed here (its owner closes it).
   */
  shutdown: (drainMs?: number, holdMs?: number) => Promise<{ drained: boolean; abandoned: number }>;
}

const isStream = (method: string | undefined, url: string | undefined) =>
  method === 'GET' && (url?.startsWith('/sse') || url?.startsWith('/mcp'));

/** Listen with the Hono app (on @hono/node-server's listener), with explicit timeouts from settings `server.*`. */
export async function startServer(core: Core, opts: ServerOptions = {}): Promise<RunningServer> {
  const cfg = core.config.server;
  const host = opts.host ?? cfg.host;
  const state: ServerState = { draining: false };
  const tools = opts.tools ?? TOOLS;
  const mcp = new McpHttp(core, {
    tools,
    extra: opts.mcpExtra,
    accepting: () => !state.draining,
    maxSessions: cfg.max_mcp_sessions,
    maxSessionsPerUser: cfg.max_mcp_sessions_per_user,
    idleMs: cfg.mcp_session_idle_ms,
  });
  const app = createApp({ core, state, mcp, tools });
  const health = healthFastPath(core, routeTimer(core, '/health', 'GET', 200));
  let inFlight = 0;
  const idle: Array<() => void> = [];
  // One listener in front of Hono's: /health is answered here, the rest is counted (for the drain)
  // and handed to Hono.
  const front =
    (hono: RequestListener) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      if (health(req, res)) return;
      if (!isStream(req.method, req.url)) {
        inFlight++;
        res.once('close', () => {
          inFlight--;
          if (inFlight === 0) for (const fn of idle.splice(0)) fn();
        });
      }
      hono(req, res);
    };
  // @hono/node-server is loaded by the first request that reaches Hono (/health never does): its
  // module reads globalThis.Request, Response and Headers, which makes Node load undici, about
  // 6 MB of an idle server's memory. The listener is the one its serve() would have made.
  let hono: RequestListener | undefined;
  const toHono: RequestListener = (req, res) => {
    if (hono) return void hono(req, res);
    import('@hono/node-server').then(
      ({ getRequestListener }) => {
        hono ??= getRequestListener(app.fetch, { hostname: host }) as RequestListener;
        hono(req, res);
      },
      (e) => {
        core.log.error({ err: e }, 'the HTTP request handler did not load');
        res.statusCode = 500;
        res.end();
      },
    );
  };
  const server = createServer(
    {
      // slowloris: headers and the whole request body must arrive within these bounds;
      // a response stream (SSE) is not bound by them once the request is in
      headersTimeout: cfg.headers_timeout_ms,
      requestTimeout: cfg.request_timeout_ms,
      keepAliveTimeout: cfg.keep_alive_timeout_ms,
    },
    front(toHono),
  );
  server.listen(opts.port ?? cfg.port, host);
  server.headersTimeout = cfg.headers_timeout_ms;
  server.requestTimeout = cfg.request_timeout_ms;
  server.keepAliveTimeout = cfg.keep_alive_timeout_ms;

  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${port}`;
  // approve_url points here unless approvals.public_url names the address people reach it by
  core.approvals.baseUrl = url;

  let metrics: Awaited<ReturnType<typeof listenMetrics>> | undefined;
  try {
    if (cfg.metrics_port !== undefined)
      metrics = await listenMetrics(core, cfg.metrics_host, cfg.metrics_port);
  } catch (e) {
    server.close();
    throw e;
  }

  let stopping: Promise<{ drained: boolean; abandoned: number }> | undefined;
  const shutdown = (drainMs = shutdownPlan(core.config).drainMs, holdMs = 0) =>
    (stopping ??= (async () => {
      state.draining = true;
      // /ready answers 503 for at least holdMs before the port closes, even with nothing in flight
      const hold = new Promise((r) => setTimeout(r, holdMs));
      let drained = true;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        drained = await Promise.race([
          new Promise<boolean>((r) => idle.push(() => r(true))),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(false), drainMs);
          }),
        ]);
        clearTimeout(timer);
      }
      const abandoned = inFlight;
      await hold;
      await mcp.closeAll();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      await metrics?.close();
      return { drained, abandoned };
    })());

  return {
    url,
    ...(metrics ? { metricsUrl: metrics.url } : {}),
    port,
    host,
    state,
    inFlight: () => inFlight,
    shutdown,
  };
}

const urlOf = (host: string, port: number) => {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${port}`;
};

/** The metrics listener: its own address (e.g. an internal interface Prometheus scrapes), /metrics only. */
async function listenMetrics(core: Core, host: string, port: number) {
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: metricsApp(core).fetch, port, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const url = urlOf(host, (server.address() as AddressInfo).port);
  core.log.info({ url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
