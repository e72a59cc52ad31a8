import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcIssuer, startOidcIssuer } from './helpers/oidc-issuer.js';
import { json, startTestServer, type TestServer } from './helpers/server.js';

const AUDIENCE = 'https://ops.example.test/mcp';

/**
 * Authorization a client can discover (RFC 9728 metadata, pointed to from every 401) and access
 * tokens of an external OpenID Connect issuer (a loopback one with its own keys): the mapped role
 * applies; a token for another audience, or signed by another key, is refused.
 */
describe('OAuth protected-resource metadata and an external OIDC issuer', () => {
  let idp: OidcIssuer;
  let t: TestServer;
  const initialize = (token?: string) =>
    fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });

  beforeAll(async () => {
    idp = await startOidcIssuer();
    t = await startTestServer({
      oidc: {
        issuer: idp.issuer,
        audience: AUDIENCE,
        role_claim: 'groups',
        role_map: { 'ops-viewers': 'viewer', 'ops-admins': 'admin' },
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await idp?.close();
  });

  it('serves the metadata for /mcp (path-suffixed) and the root, naming the issuer', async () => {
    const mcp = await json(await fetch(`${t.url}/.well-known/oauth-protected-resource/mcp`));
    expect(mcp).toEqual({
      resource: `${t.url}/mcp`,
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ['header'],
      resource_name: 'mahavishnu',
    });
    const root = await json(await fetch(`${t.url}/.well-known/oauth-protected-resource`));
    expect(root.resource).toBe(`${t.url}/`);
  });

  it('a 401 without a token names the metadata URL in WWW-Authenticate', async () => {
    const r = await initialize();
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(
      `Bearer realm="mahavishnu", resource_metadata="${t.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it("the issuer's token with a mapped role works, as that role", async () => {
    const token = await idp.token({
      sub: 'u-42',
      preferred_username: 'dana',
      groups: ['staff', 'ops-viewers'],
      aud: AUDIENCE,
    });
    const client = new Client({ name: 'oidc-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', t.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const names = (await client.listTools()).tools.map((x) => x.name);
    expect(names).toContain('pool_list');
    expect(names).not.toContain('auth_create_user'); // a viewer's list
    const r = await client.callTool({ name: 'pool_list', arguments: {} });
    expect(r.isError).toBeFalsy();
    // the role is the mapped one: a viewer's write is refused, naming the role
    const w = await client.callTool({
      name: 'auth_create_user',
      arguments: { username: 'x', role: 'viewer' },
    });
    expect(w.isError).toBe(true);
    expect(JSON.stringify(w.content)).toContain('dana has role viewer');
    await client.close();
  });

  it('a token for another audience is refused with a WWW-Authenticate that names the metadata URL', async () => {
    const token = await idp.token({
      sub: 'u-42',
      groups: ['ops-admins'],
      aud: 'https://other-service.example.test',
    });
    const r = await initialize(token);
    expect(r.status).toBe(401);
    const h = r.headers.get('www-authenticate')!;
    expect(h).toContain(`resource_metadata="${t.url}/.well-known/oauth-protected-resource/mcp"`);
    expect(h).toContain('error="invalid_token"');
    expect(h).toContain(`not for this server (its audience is not '${AUDIENCE}')`);
    expect((await json(r)).error.code).toBe('unauthenticated');
  });

  it('refuses a token signed by another key, and one whose claim maps to no role', async () => {
    const forged = await idp.token({ sub: 'x', groups: ['ops-admins'], aud: AUDIENCE }, { forged: true });
    const f = await initialize(forged);
    expect(f.status).toBe(401);
    expect(f.headers.get('www-authenticate')).toContain('signature is not valid');
    const unmapped = await idp.token({ sub: 'y', groups: ['staff'], aud: AUDIENCE });
    const u = await initialize(unmapped);
    expect(u.status).toBe(403);
    expect((await json(u)).error.message).toMatch(/groups claim maps to no role/);
  });

  it('still accepts the tokens mahavishnu mints', async () => {
    const r = await initialize(await t.tokenFor('admin'));
    expect(r.status).toBe(200);
  });
});
