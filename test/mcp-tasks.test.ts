import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENCRYPTION_KEY, SIGNING_KEY } from './helpers/backup.js';
import { childEnv } from './helpers/cli.js';
import { type ServeProcess, spawnServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

const Any = z.looseObject({});

/** A 2025-11-25 client over Streamable HTTP (the SDK v1 client, as agents hold it today). */
async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'task-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

async function startTask(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: 3600_000 } } },
    CreateTaskResultSchema,
  );
  expect(r.task.status).toBe('working');
  return r.task.taskId;
}

const getTask = (client: Client, taskId: string) =>
  client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);

/**
 * Durable tasks through the real server process: the task record is in the state store, so a
 * client that went away and a server that restarted meanwhile still find its status and result.
 */
describe('MCP tasks survive the connection and the server', () => {
  const tmp = tempDir();
  let env: Record<string, string>;
  let s: ServeProcess | undefined;

  beforeAll(async () => {
    env = childEnv(tmp.path, {
      MAHAVISHNU_BACKUP__SIGNING_KEY: SIGNING_KEY,
      MAHAVISHNU_BACKUP__ENCRYPTION_KEY: ENCRYPTION_KEY,
    });
    s = await spawnServe(env);
  });
  afterAll(async () => {
    await s?.stop();
    tmp.remove();
  });

  it('backup_create as a task: the client disconnects, the server restarts, the client reconnects and gets the result', async () => {
    const token = s!.adminToken();
    const first = await connect(s!.url, token);
    const taskId = await startTask(first, 'backup_create', { type: 'full' });
    await first.close(); // the agent goes away while the backup runs
    // a clean restart: the drain lets the running task end (and record its result) first
    expect(await s!.stop(), s!.stderr()).toBe(0);
    s = await spawnServe(env);
    const again = await connect(s.url, token);
    const task = await getTask(again, taskId);
    expect(task).toMatchObject({ taskId, status: 'completed', ttl: 3600_000 });
    const result = await again.request({ method: 'tasks/result', params: { taskId } }, Any);
    const backup = (result as { structuredContent: { id: string; type: string } }).structuredContent;
    expect(backup.type).toBe('full');
    expect(result._meta).toEqual({ 'io.modelcontextprotocol/related-task': { taskId } });
    // the backup it reports is real: backup_list on the restarted server shows it
    const list = await again.callTool({ name: 'backup_list', arguments: {} });
    expect(JSON.stringify(list.structuredContent)).toContain(backup.id);
    const listed = await again.request({ method: 'tasks/list', params: {} }, Any);
    expect((listed as { tasks: { taskId: string }[] }).tasks.map((t) => t.taskId)).toContain(taskId);
    await again.close();
  }, 60_000);
});

describe('cancelling a pool_close task stops the work', () => {
  const tmp = tempDir();
  let env: Record<string, string>;
  let s: ServeProcess | undefined;
  let client: Client;

  beforeAll(async () => {
    const dir = writeWorkflows(tmp.path, {
      long: `
name: long
description: a step that outlasts the test
pool: slow
steps:
  - name: sleep
    argv: [sleep, "120"]
`,
    });
    env = childEnv(tmp.path, {
      MAHAVISHNU_WORKFLOWS__DIR: dir,
      MAHAVISHNU_POOLS__TICK_MS: '100',
      // pool_close is destructive; human approvals have their own tests
      MAHAVISHNU_APPROVALS__ENABLED: 'false',
    });
    s = await spawnServe(env);
    client = await connect(s.url, s.adminToken());
    await client.callTool({
      name: 'pool_spawn',
      arguments: { type: 'mahavishnu', name: 'slow', min: 1, max: 1 },
    });
    await client.callTool({ name: 'workflow_run', arguments: { name: 'long' } });
    await waitFor('the step to run', async () => {
      const r = await client.callTool({ name: 'pool_status', arguments: { pool: 'slow' } });
      return (r.structuredContent as { running_steps: number }).running_steps === 1;
    });
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    s?.proc.kill('SIGKILL');
    await s?.exited;
    tmp.remove();
  });

  it('a pool_close task cancelled after 1 s has stopped within 2 s, saying what was and was not done', async () => {
    const taskId = await startTask(client, 'pool_close', { pool: 'slow' });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await getTask(client, taskId)).status).toBe('working'); // draining a 120 s step
    const t0 = Date.now();
    await client.request({ method: 'tasks/cancel', params: { taskId } }, Any);
    const ended = await waitFor(
      'the task to end',
      async () => {
        const t = await getTask(client, taskId);
        return t.status !== 'working' && t;
      },
      5000,
    );
    const took = Date.now() - t0;
    console.info(`pool_close task: cancel → ended ${ended.status} in ${took} ms`);
    expect(ended.status).toBe('cancelled');
    expect(took).toBeLessThan(2000);
    expect(ended.statusMessage).toMatch(
      /done: pool slow marked closing.*not done: waiting for 1 running step/,
    );
    // state is consistent: the pool is closing (no new claims), its step still runs
    const st = await client.callTool({ name: 'pool_status', arguments: { pool: 'slow' } });
    expect(st.structuredContent).toMatchObject({ state: 'closing', running_steps: 1 });
  }, 30_000);

  it('a task whose server was killed is failed with the reason after the restart', async () => {
    const token = s!.adminToken();
    const taskId = await startTask(client, 'pool_close', { pool: 'slow' });
    s!.proc.kill('SIGKILL');
    await s!.exited;
    s = await spawnServe(env);
    client = await connect(s.url, token);
    const failed = await waitFor(
      'the interrupted task to be marked failed',
      async () => {
        const t = await getTask(client, taskId);
        return t.status === 'failed' && t;
      },
      15_000,
    );
    expect(failed.statusMessage).toMatch(/^interrupted: the server process running this task stopped/);
  }, 40_000);
});
