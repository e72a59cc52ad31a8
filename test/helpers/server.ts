import type { Core } from '../../src/core/core.js';
import type { Role } from '../../src/core/principal.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/http/server.js';
import { type StoreKind, testCore } from './core.js';

export interface TestServer {
  core: Core;
  server: RunningServer;
  url: string;
  /** A user with that role and a bearer token for it. */
  tokenFor: (role: Role, username?: string) => Promise<string>;
  stop: () => Promise<void>;
}

/**
 * The real HTTP server in this process on 127.0.0.1, port 0, over a fresh store. `options` adds
 * server options, e.g. WITH_FIXTURES (test/fixtures/conformance) to serve the test_* fixtures.
 */
export async function startTestServer(
  overrides: Record<string, unknown> = {},
  kind: StoreKind = 'sqlite',
  options: ServerOptions = {},
): Promise<TestServer> {
  const { core, cleanup } = await testCore(kind, overrides);
  const server = await startServer(core, { ...options, host: '127.0.0.1', port: 0 });
  let n = 0;
  return {
    core,
    server,
    url: server.url,
    tokenFor: async (role, username = `${role}.${++n}`) => {
      if (!(await core.users.get(username))) await core.users.create({ username, role });
      return (await core.tokens.mint(username, 600)).token;
    },
    stop: async () => {
      await server.shutdown(1000);
      await cleanup();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

// biome-ignore lint/suspicious/noExplicitAny: test bodies are read loosely and asserted on
export type Json = Record<string, any>;
export const json = async (r: Response): Promise<Json> => (await r.json()) as Json;
