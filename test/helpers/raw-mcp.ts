import { bearer } from './server.js';

/**
 * A 2025-era Streamable HTTP session driven by hand (fetch, no SDK client), for tests that look at
 * the wire: `post` sends one JSON-RPC message on the session and returns the raw Response.
 */
export async function rawSession(url: string, token: string, version = '2025-11-25') {
  const post = (body: object, session?: string, protocol = version) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        ...bearer(token),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': protocol,
        ...(session ? { 'mcp-session-id': session } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...body }),
    });
  const init = await post({
    id: 1,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  });
  const session = init.headers.get('mcp-session-id')!;
  await init.text();
  await (await post({ method: 'notifications/initialized' }, session)).text();
  return {
    session,
    post: (body: object, protocol?: string) => post(body, session, protocol),
  };
}

export interface StatelessOptions {
  /** Extra `_meta` entries beside the envelope (undefined removes one of the envelope's). */
  meta?: Record<string, unknown>;
  /** The client's capabilities in the envelope (default: none). */
  capabilities?: Record<string, unknown>;
  /** Headers that replace the ones derived from the body (e.g. a wrong Mcp-Name). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  id?: number;
}

/**
 * One 2026-07-28 stateless request on /mcp by hand: the `_meta` envelope in the body, the
 * MCP-Protocol-Version, Mcp-Method and Mcp-Name headers (SEP-2243: the tool's name, or the task id
 * of tasks/*) as a v2 client sends them. Returns the raw Response.
 */
export function statelessRequest(
  url: string,
  token: string,
  method: string,
  params: Record<string, unknown>,
  o: StatelessOptions = {},
): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    ...(o.signal ? { signal: o.signal } : {}),
    headers: {
      ...bearer(token),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      'mcp-name': String(params.name ?? params.taskId),
      ...o.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: o.id ?? 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': o.capabilities ?? {},
          ...o.meta,
        },
      },
    }),
  });
}

/**
 * The JSON-RPC answer in a response that is JSON or a stream of SSE events (its first event with a
 * result or an error; notifications before it are skipped). Read loosely, for assertions.
 */
// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and asserted on
type Loose = any;
export async function rpcBody(r: Response): Promise<{ result?: Loose; error?: Loose; id?: unknown }> {
  const text = await r.text();
  if (text.startsWith('{')) return JSON.parse(text);
  const events = [...text.matchAll(/^data: (\{.*\})$/gm)].map((m) => JSON.parse(m[1]!));
  return events.find((e) => 'result' in e || 'error' in e) ?? events[0] ?? JSON.parse(text);
}
