import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

describe('MCP over stdio: a real SDK client spawns `mahavishnu mcp start`', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path);
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', 'start'],
      env,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d) => (stderr += d));
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    tmp.remove();
  });

  it('lists every tool with all four annotations, an output schema and a strict input schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['auth_create_user', 'auth_list_users']));
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(t.title).toBeTruthy();
      expect(t.annotations).toMatchObject({
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
        openWorldHint: expect.any(Boolean),
      });
      expect(t.outputSchema?.type).toBe('object');
      expect(t.inputSchema.additionalProperties).toBe(false);
    }
  });

  it('creates a user and lists it, with structured results', async () => {
    const created = await client.callTool({
      name: 'auth_create_user',
      arguments: { username: 'agent.smith', role: 'operator' },
    });
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ user: { username: 'agent.smith', role: 'operator' } });
    const listed = await client.callTool({ name: 'auth_list_users', arguments: {} });
    const users = (listed.structuredContent as { users: { username: string }[] }).users;
    expect(users.map((u) => u.username)).toContain('agent.smith');
    // the text block carries the same JSON
    const text = (listed.content as { type: string; text: string }[])[0]!.text;
    expect(JSON.parse(text)).toEqual(listed.structuredContent);
  });

  it('answers a misspelled argument with a tool error naming the key and the fix', async () => {
    const r = await client.callTool({
      name: 'auth_create_user',
      arguments: { usernme: 'x', role: 'viewer' },
    });
    expect(r.isError).toBe(true);
    const text = (r.content as { text: string }[])[0]!.text;
    expect(text).toContain('invalid_input');
    expect(text).toContain('usernme');
    expect(text).toContain('did you mean "username"');
  });

  it('writes nothing but protocol messages to stdout (the client would have failed to parse)', async () => {
    const r = await client.callTool({ name: 'audit_verify', arguments: {} });
    expect(r.structuredContent).toMatchObject({ ok: true });
  });

  it('shares its state with the CLI: auth list-users --json sees the user', () => {
    const r = cli(['auth', 'list-users', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).users.map((u: { username: string }) => u.username)).toContain('agent.smith');
    expect(stderr).not.toMatch(/"level":(50|60)/);
  });
});
