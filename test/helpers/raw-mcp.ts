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
