import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, testCore, viewer } from '../../test/helpers/core.js';
import { connectInMemory } from '../../test/helpers/mcp-memory.js';
import type { Core } from '../core/core.js';
import type { Principal } from '../core/principal.js';
import { TOOLS } from '../tools/index.js';

/**
 * The fast layer for MCP: the production server (createMcpServer with the production tools) and a
 * real SDK client over the SDK's in-memory transport, on a real embedded store. Protocol behaviour
 * in milliseconds; the stdio and HTTP transports have their own files under test/.
 */
describe('createMcpServer over the in-memory transport', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const clients: Client[] = [];

  const connect = (principal: Principal) => connectInMemory(core, principal, clients);
  const text = (r: object) => (r as { content: { text: string }[] }).content[0]!.text;

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite'));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await cleanup();
  });

  it('lists exactly the production tools, each with hints, an output schema and a strict input schema', async () => {
    const client = await connect(admin);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    expect(tools.some((t) => t.name.startsWith('test_'))).toBe(false);
    for (const t of tools) {
      expect(t.annotations, t.name).toMatchObject({
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
        openWorldHint: expect.any(Boolean),
      });
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
    }
  });

  it('calls a tool: the structured result and the text block carry the same JSON', async () => {
    const client = await connect(admin);
    const created = await client.callTool({
      name: 'auth_create_user',
      arguments: { username: 'fast.user', role: 'operator' },
    });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ user: { username: 'fast.user', role: 'operator' } });
    const listed = await client.callTool({ name: 'auth_list_users', arguments: {} });
    expect(JSON.parse(text(listed))).toEqual(listed.structuredContent);
    expect(JSON.stringify(listed.structuredContent)).toContain('fast.user');
  });

  it('answers invalid input with a tool error naming the key and the fix', async () => {
    const client = await connect(admin);
    const r = await client.callTool({
      name: 'auth_create_user',
      arguments: { usernme: 'x', role: 'viewer' },
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('invalid_input');
    expect(text(r)).toContain('did you mean "username"');
  });

  it('refuses an unknown tool with a protocol error that suggests the closest name', async () => {
    const client = await connect(admin);
    await expect(client.callTool({ name: 'auth_list_user', arguments: {} })).rejects.toThrow(
      /not_found: unknown tool "auth_list_user" \(did you mean "auth_list_users"\?\)/,
    );
  });

  it('refuses a call the role may not make, saying which role it needs', async () => {
    const client = await connect(viewer);
    const r = await client.callTool({ name: 'auth_list_users', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('forbidden');
    expect(text(r)).toContain('needs role operator');
    // the fix names the MCP tool, not a CLI command
    expect(text(r)).toContain('`auth_create_user {"username":"NAME","role":"operator"}`');
    expect(text(r)).not.toContain('mahavishnu auth');
  });

  it('serves the runbooks as resources and the prompts', async () => {
    const client = await connect(viewer);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('runbook://incident-response');
    const read = await client.readResource({ uri: 'runbook://incident-response' });
    expect((read.contents[0] as { text: string }).text).toMatch(/^# /m);
    const { prompts } = await client.listPrompts();
    expect(prompts.length).toBeGreaterThan(0);
  });
});
