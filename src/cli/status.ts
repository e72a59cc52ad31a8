import { loadConfig, readToken } from '../core/config/load.js';
import { AppError, exitCode, isAppError } from '../core/errors.js';
import { type Globals, loadOpts } from './globals.js';

/** The server the CLI talks to: --server, then server.url, then the local default port. */
export function serverUrl(g: Globals): string {
  if (g.server) return g.server;
  const { config } = loadConfig(loadOpts(g));
  return config.server.url ?? `http://127.0.0.1:${config.server.port}`;
}

export async function getJson(
  url: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new AppError('unavailable', `cannot reach ${url} (${cause}); is \`mahavishnu serve\` running?`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { text: text.slice(0, 200) };
  }
  return { status: res.status, body, ms: Math.round((performance.now() - started) * 10) / 10 };
}

const uptime = (s: number) =>
  [
    Math.floor(s / 86400) && `${Math.floor(s / 86400)}d`,
    Math.floor((s % 86400) / 3600) && `${Math.floor((s % 86400) / 3600)}h`,
    `${Math.floor((s % 3600) / 60)}m`,
    `${s % 60}s`,
  ]
    .filter(Boolean)
    .join(' ');

/** `mahavishnu mcp status`: health, readiness, an MCP initialize + tools/list; exit non-zero when not all good. */
export async function runStatus(g: Globals): Promise<number> {
  const url = serverUrl(g);
  const out: Record<string, unknown> = { server: url };
  let code = 0;
  try {
    const health = await getJson(`${url}/health`);
    out.health = { status: health.body.status ?? health.status, latency_ms: health.ms };
    out.version = health.body.version;
    out.uptime_s = health.body.uptime_s;
    const ready = await getJson(`${url}/ready`);
    out.ready = ready.status === 200;
    if (ready.status !== 200) {
      out.not_ready_reasons = ready.body.reasons ?? [`HTTP ${ready.status}`];
      code = exitCode.unavailable;
    }
    const comps = await getJson(`${url}/health/components`);
    out.overall = comps.body.status;
    out.components = Object.fromEntries(
      Object.entries(
        (comps.body.components ?? {}) as Record<string, { status: string; message: string }>,
      ).map(([k, v]) => [k, { status: v.status, message: v.message }]),
    );
    try {
      const { probeMcp } = await import('../mcp/probe.js');
      out.mcp = await probeMcp(url, readToken());
    } catch (e) {
      const err = isAppError(e) ? e : new AppError('unavailable', (e as Error).message);
      out.mcp = { error: err.toJSON() };
      code ||= exitCode[err.code];
    }
  } catch (e) {
    if (!isAppError(e)) throw e;
    out.error = e.toJSON();
    code = exitCode[e.code];
  }
  if (g.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else process.stdout.write(`${render(out)}\n`);
  return code;
}

function render(o: Record<string, unknown>): string {
  if (o.error) return `server:   ${o.server}\nstatus:   DOWN — ${(o.error as { message: string }).message}`;
  const mcp = o.mcp as { error?: { message: string }; tools?: number; protocol_version?: string };
  const lines = [
    `server:   ${o.server}`,
    `version:  ${o.version}`,
    `uptime:   ${uptime(Number(o.uptime_s ?? 0))}`,
    `health:   ${(o.health as { status: string }).status} (${(o.health as { latency_ms: number }).latency_ms} ms)`,
    `ready:    ${o.ready ? 'yes' : `NO — ${(o.not_ready_reasons as string[]).join('; ')}`}`,
    `mcp:      ${mcp.error ? `FAILED — ${mcp.error.message}` : `ok, protocol ${mcp.protocol_version}, ${mcp.tools} tools`}`,
    `overall:  ${o.overall}`,
  ];
  for (const [k, v] of Object.entries(o.components as Record<string, { status: string; message: string }>))
    lines.push(`  ${k.padEnd(28)} ${v.status.padEnd(9)} ${v.message}`);
  return lines.join('\n');
}
