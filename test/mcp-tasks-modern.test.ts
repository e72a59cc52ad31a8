import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttpTransport,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSettings } from './helpers/backup.js';
import { rpcBody, statelessRequest } from './helpers/raw-mcp.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const TASKS = 'io.modelcontextprotocol/tasks';

/**
 * The 2026-07-28 tasks extension: a client that declares it gets a long tool's call back as a
 * task (resultType "task") and reads the outcome inline from tasks/get; one that does not gets the
 * result at once, as before.
 */
describe('MCP tasks, spec 2026-07-28 (tasks extension)', () => {
  const dir = tempDir();
  let t: TestServer;
  const clients: ModernClient[] = [];
  async function connect(extensions: Record<string, Record<string, never>>) {
    const client = new ModernClient(
      { name: 'modern-tasks', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' }, capabilities: { extensions } },
    );
    await client.connect(
      new ModernHttpTransport(new URL('/mcp', t.url), {
        requestInit: { headers: bearer(await t.tokenFor('admin')) },
      }),
    );
    clients.push(client);
    return client;
  }
  beforeAll(async () => {
    t = await startTestServer(backupSettings(dir.path));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await t.stop();
    dir.remove();
  });

  /** One stateless 2026-07-28 request, as a client with the tasks extension sends it. */
  const rpc = async (method: string, params: Record<string, unknown>, token: string, withTasks = true) =>
    rpcBody(
      await statelessRequest(t.url, token, method, params, {
        capabilities: withTasks ? { extensions: { [TASKS]: {} } } : {},
      }),
    );

  it('advertises the extension; a declaring client gets backup_create as a task and its result from tasks/get', async () => {
    const client = await connect({ [TASKS]: {} });
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(client.getServerCapabilities()?.extensions?.[TASKS]).toEqual({});
    expect(client.getServerCapabilities()?.tasks).toBeUndefined(); // the extension replaces the v1 slot
    const token = await t.tokenFor('admin');
    const created = await rpc('tools/call', { name: 'backup_create', arguments: { type: 'full' } }, token);
    expect(created.result, JSON.stringify(created)).toMatchObject({
      resultType: 'task',
      taskId: expect.stringMatching(/^task_/),
      status: 'working',
      ttlMs: expect.any(Number),
      pollIntervalMs: 1000,
    });
    const taskId = created.result!.taskId as string;
    const done = await waitFor('the task to complete', async () => {
      const g = (await rpc('tasks/get', { taskId }, token)).result;
      return g?.status !== 'working' && g;
    });
    expect(done).toMatchObject({ resultType: 'complete', taskId, status: 'completed' });
    expect(done.result.structuredContent).toMatchObject({ type: 'full', id: expect.any(String) });
    // the task methods need the extension on the request; tasks/result and tasks/list are 2025-only
    expect((await rpc('tasks/get', { taskId }, token, false)).error?.code).toBe(-32021);
    expect((await rpc('tasks/result', { taskId }, token)).error?.code).toBe(-32601);
    // another user does not see it
    const other = await rpc('tasks/get', { taskId }, await t.tokenFor('admin'));
    expect(other.error?.code).toBe(-32602);
  });

  it('a client without the extension gets the result at once', async () => {
    const client = await connect({});
    const r = await client.callTool({ name: 'backup_create', arguments: { type: 'full' } });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { type: string }).type).toBe('full');
  });
});
