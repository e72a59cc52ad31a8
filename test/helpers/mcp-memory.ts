import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { Core } from '../../src/core/core.js';
import type { Principal } from '../../src/core/principal.js';
import { createMcpServer } from '../../src/mcp/server.js';

/**
 * The production MCP server over the SDK's in-memory transport, as `principal`, and a real SDK
 * client connected to it; the client is added to `clients` so the test can close them all.
 */
export async function connectInMemory(core: Core, principal: Principal, clients: Client[]): Promise<Client> {
  const server = createMcpServer(core, () => principal);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'fast', version: '1.0.0' });
  await client.connect(clientSide);
  clients.push(client);
  return client;
}
