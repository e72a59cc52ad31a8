import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backupSettings } from '../../test/helpers/backup.js';
import { admin, operator, testCore } from '../../test/helpers/core.js';
import { connectInMemory } from '../../test/helpers/mcp-memory.js';
import { tempDir } from '../../test/helpers/tmp.js';
import type { Core } from '../core/core.js';
import type { Principal } from '../core/principal.js';
import { defineTool } from '../tools/define.js';
import { createMcpServer } from './server.js';

const Any = z.looseObject({});

/** 2025-11-25 task augmentation over the in-memory transport, on a real embedded store. */
describe('tools/call as a task (2025-11-25)', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const dir = tempDir();
  const clients: Client[] = [];

  const connect = (principal: Principal) => connectInMemory(core, principal, clients);

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(dir.path)));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await cleanup();
    dir.remove();
  });

  it('advertises tasks and marks long tools taskSupport optional', async () => {
    const client = await connect(admin);
    expect(client.getServerCapabilities()).toMatchObject({ tasks: { requests: { tools: { call: {} } } } });
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('backup_create')?.execution).toEqual({ taskSupport: 'optional' });
    expect(byName.get('auth_list_users')?.execution).toBeUndefined();
  });

  it('runs backup_create as a task: created at once, then completed with the backup in its result', async () => {
    const client = await connect(admin);
    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'backup_create', arguments: { type: 'full' }, task: { ttl: 60_000 } },
      },
      Any,
    );
    const task = (created as { task: { taskId: string; status: string } }).task;
    expect(task.status).toBe('working');
    const result = await client.request({ method: 'tasks/result', params: { taskId: task.taskId } }, Any);
    expect(result).toMatchObject({ structuredContent: { id: expect.any(String) } });
    const got = await client.request({ method: 'tasks/get', params: { taskId: task.taskId } }, Any);
    expect(got).toMatchObject({ taskId: task.taskId, status: 'completed', ttl: 60_000 });
    const list = await client.request({ method: 'tasks/list', params: {} }, Any);
    expect((list as { tasks: { taskId: string }[] }).tasks.map((t) => t.taskId)).toContain(task.taskId);
  });

  it("another user's task is unknown to them (-32602)", async () => {
    const mine = await connect(admin);
    const created = await mine.request(
      { method: 'tools/call', params: { name: 'backup_create', arguments: {}, task: {} } },
      Any,
    );
    const id = (created as { task: { taskId: string } }).task.taskId;
    const other = await connect(operator);
    await expect(other.request({ method: 'tasks/get', params: { taskId: id } }, Any)).rejects.toMatchObject({
      code: -32602,
    });
    await mine.request({ method: 'tasks/result', params: { taskId: id } }, Any);
  });

  it('refuses a task for a tool that is not long', async () => {
    const client = await connect(admin);
    await expect(
      client.request(
        { method: 'tools/call', params: { name: 'auth_list_users', arguments: {}, task: {} } },
        Any,
      ),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('does not run as a task') });
  });
});

describe('logging/setLevel and the log messages of long tools', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const dir = tempDir();
  const clients: Client[] = [];

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(dir.path)));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await cleanup();
    dir.remove();
  });

  async function logsOf(level: 'info' | 'error', call: { name: string; arguments: Record<string, unknown> }) {
    const client = await connectInMemory(core, admin, clients);
    const got: { level: string; data: { tool: string; message: string } }[] = [];
    client.setNotificationHandler('notifications/message', (n) => {
      got.push(n.params as (typeof got)[number]);
    });
    await client.setLoggingLevel(level);
    await client.callTool(call);
    await new Promise((r) => setTimeout(r, 50)); // notifications are handled a tick late
    return got;
  }

  it('backup_create tells an info-level client it started and completed', async () => {
    const got = await logsOf('info', { name: 'backup_create', arguments: {} });
    expect(got.map((m) => m.data.message)).toEqual(
      expect.arrayContaining(['backup_create started', 'backup_create completed']),
    );
    expect(got.every((m) => m.data.tool === 'backup_create')).toBe(true);
  });

  it('a client that set the level to error hears only the failure', async () => {
    const quiet = await logsOf('error', { name: 'backup_create', arguments: {} });
    expect(quiet).toEqual([]);
    const failed = await logsOf('error', { name: 'backup_verify', arguments: { id: 'bk_nope' } });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 'error',
      data: { message: expect.stringMatching(/^backup_verify failed: /) },
    });
  });
});

describe('a task reports progress and stops when cancelled', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  const clients: Client[] = [];
  let stopped: string | undefined;
  // a long tool that works in steps until its signal is aborted
  const steps = defineTool({
    name: 'test_steps',
    title: 'steps',
    description: 'test: reports a step every 50 ms until cancelled',
    role: 'viewer',
    long: true,
    hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
    input: z.strictObject({}),
    output: z.strictObject({}),
    run: async (_i, ctx) => {
      for (let i = 1; ; i++) {
        ctx.progress({ progress: i, total: 1000, message: `step ${i}` });
        try {
          await new Promise((r, j) => {
            const timer = setTimeout(r, 50);
            ctx.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                j(ctx.signal.reason);
              },
              {
                once: true,
              },
            );
          });
        } catch (e) {
          stopped = `at step ${i}`;
          throw e;
        }
      }
    },
  });

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite'));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await cleanup();
  });

  it('tasks/get shows the progress; tasks/cancel stops the work and the task ends cancelled', async () => {
    const server = createMcpServer(core, () => admin, { tools: [steps] });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 't', version: '1' });
    await client.connect(a);
    clients.push(client);
    const created = (await client.request(
      { method: 'tools/call', params: { name: 'test_steps', arguments: {}, task: {} } },
      Any,
    )) as { task: { taskId: string } };
    const taskId = created.task.taskId;
    await new Promise((r) => setTimeout(r, 1200));
    const mid = (await client.request({ method: 'tasks/get', params: { taskId } }, Any)) as {
      status: string;
      statusMessage: string;
    };
    expect(mid.status).toBe('working');
    expect(mid.statusMessage).toMatch(/^step \d+ \(\d+%\)$/);
    const cancelled = await client.request({ method: 'tasks/cancel', params: { taskId } }, Any);
    expect(cancelled).toMatchObject({ taskId, status: 'cancelled' });
    expect(stopped).toMatch(/^at step \d+$/);
    await expect(client.request({ method: 'tasks/cancel', params: { taskId } }, Any)).rejects.toMatchObject({
      code: -32602,
    });
  });
});
