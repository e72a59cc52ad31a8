import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

describe('MCP over stdio: a real SDK client spawns `mahavishnu mcp start`', () => {
  const tmp = tempDir();
  const env = childEnv(tmp.path);
  let client: Client;
  let stderr = '';
  // the SDK client reports a stdout line it cannot parse here, and carries on
  const transportErrors: Error[] = [];

  beforeAll(async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', 'start'],
      env,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d) => (stderr += d));
    client = new Client({ name: 'test', version: '1.0.0' });
    client.onerror = (e) => transportErrors.push(e);
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

  it('raised no transport error for anything the server wrote (every stdout line parsed)', async () => {
    const r = await client.callTool({ name: 'audit_verify', arguments: {} });
    expect(r.structuredContent).toMatchObject({ ok: true });
    await client.callTool({ name: 'no_such_tool', arguments: {} }).catch(() => {});
    expect(transportErrors).toEqual([]);
  });

  it('shares its state with the CLI: auth list-users --json sees a user created over MCP', async () => {
    const created = await client.callTool({
      name: 'auth_create_user',
      arguments: { username: 'cli.reader', role: 'viewer' },
    });
    expect(created.isError).toBeFalsy();
    const r = cli(['auth', 'list-users', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).users.map((u: { username: string }) => u.username)).toContain('cli.reader');
    expect(stderr).not.toMatch(/"level":(50|60)/);
  });
});

describe('MCP over stdio, read by hand: stdout carries protocol messages and nothing else', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('answers a session (a call, a refused call, an unknown tool, bad JSON) with one JSON-RPC message per line', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp', 'start'], {
      env: { ...childEnv(tmp.path), MAHAVISHNU_LOG__LEVEL: 'debug' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const send = (m: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    const answered = (id: number) =>
      waitFor(`the answer to request ${id}`, () => stdout.includes(`"id":${id}`));
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    await answered(1);
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/call', params: { name: 'audit_verify', arguments: {} } });
    send({ id: 3, method: 'tools/call', params: { name: 'auth_create_user', arguments: { usernme: 'x' } } });
    send({ id: 4, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });
    child.stdin.write('this is not json\n');
    send({ id: 5, method: 'tools/list' });
    await answered(5);
    child.stdin.end();
    expect(await exited, stderr).toBe(0);

    const lines = stdout.split('\n').filter((l) => l !== '');
    for (const line of lines) {
      const m = JSON.parse(line);
      expect(m.jsonrpc, line).toBe('2.0');
      expect('result' in m || 'error' in m || 'method' in m, line).toBe(true);
    }
    const ids = lines.map((l) => JSON.parse(l).id).filter((id) => id !== undefined && id !== null);
    expect(ids.sort()).toEqual([1, 2, 3, 4, 5]); // calls run concurrently: any order
    // the logs went to stderr
    expect(stderr).toMatch(/"level":/);
  });
  it('refuses a request before initialize, and survives an oversized line, saying so on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp', 'start'], {
      env: childEnv(tmp.path),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const send = (m: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    const answer = async (id: number) => {
      const line = await waitFor(`the answer to request ${id}`, () =>
        stdout.split('\n').find((l) => l.includes(`"id":${id}`)),
      );
      return JSON.parse(line);
    };
    // before initialize: refused, and nothing is created
    send({
      id: 1,
      method: 'tools/call',
      params: { name: 'auth_create_user', arguments: { username: 'early', role: 'admin' } },
    });
    expect((await answer(1)).error).toMatchObject({
      code: -32600,
      message: expect.stringContaining('before initialize'),
    });
    // one line of 11 MiB: dropped and reported; the connection goes on
    child.stdin.write(
      `{"jsonrpc":"2.0","id":9,"method":"ping","params":{"pad":"${'a'.repeat(11 * 1024 * 1024)}"}}\n`,
    );
    send({
      id: 2,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    expect((await answer(2)).result.protocolVersion).toBe('2025-11-25');
    send({ method: 'notifications/initialized' });
    send({ id: 3, method: 'tools/call', params: { name: 'auth_list_users', arguments: {} } });
    const plain = await answer(3);
    const users = plain.result.structuredContent.users as { username: string }[];
    expect(users.map((u) => u.username)).not.toContain('early');
    // a plain read-only call takes the direct path (src/mcp/direct-calls.ts), one asking for
    // progress the SDK's: the same result either way, its text block the same JSON
    send({
      id: 4,
      method: 'tools/call',
      params: { name: 'auth_list_users', arguments: {}, _meta: { progressToken: 'p' } },
    });
    expect((await answer(4)).result).toEqual(plain.result);
    expect(JSON.parse(plain.result.content[0].text)).toEqual(plain.result.structuredContent);
    expect(stderr).toMatch(/dropped a stdio message longer than 10485760 bytes/);
    expect(stdout).not.toContain('"id":9');
    child.stdin.end();
    expect(await exited, stderr).toBe(0);
  }, 30_000);
});
