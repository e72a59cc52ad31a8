import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Core } from '../core/core.js';
import { AppError, isAppError } from '../core/errors.js';
import type { TaskRecord } from '../core/tasks/tasks.js';
import type { ClientChannel, Tool } from '../tools/define.js';
import { tasksOf } from '../tools/tasks.js';
import { mcpError } from './errors.js';
import type { PrincipalOf } from './tools.js';

/** The 2026-07-28 tasks extension (SEP-2663) and the 2025-11-25 related-task _meta key. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPS_KEY = 'io.modelcontextprotocol/clientCapabilities';
/** A client polls a working task about this often. */
const POLL_MS = 1000;
/** How long an ended task is kept when the client asks for no ttl (and the most it may ask). */
const DEFAULT_TTL_MS = 24 * 3600_000;
const MAX_TTL_MS = 7 * 24 * 3600_000;

/**
 * The task capabilities of an era: 2025-11-25 `tasks`, 2026-07-28 the tasks extension (which
 * replaces the v1 slot, so a modern server must not show both); both where the era is not known
 * until the first message.
 */
export function taskCapabilities(era?: 'legacy' | 'modern') {
  const v1 = { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } };
  const v2 = { extensions: { [TASKS_EXTENSION]: {} } };
  return era === 'modern' ? v2 : era === 'legacy' ? v1 : { ...v1, ...v2 };
}

type Ctx = Pick<ServerContext, 'http' | 'mcpReq'>;
const modern = (ctx: Ctx) => ctx.mcpReq.envelope?.[PROTOCOL_VERSION_KEY as never] !== undefined;
/** Whether a 2026-07-28 request declares the tasks extension (per request, in its envelope). */
const declaresTasks = (ctx: Ctx) =>
  (ctx.mcpReq.envelope?.[CLIENT_CAPS_KEY as never] as { extensions?: Record<string, unknown> } | undefined)
    ?.extensions?.[TASKS_EXTENSION] !== undefined;

/**
 * Whether this tools/call runs as a task, and for how long its record is kept: on 2025-11-25 the
 * client asks with `params.task`; on 2026-07-28 the server decides, for a long tool, when the
 * request declares the tasks extension. A task asked for a tool that is not long is refused.
 */
export function taskRequest(tool: Tool, params: { task?: unknown }, ctx: Ctx): { ttlMs: number } | undefined {
  if (modern(ctx)) return tool.long && declaresTasks(ctx) ? { ttlMs: DEFAULT_TTL_MS } : undefined;
  if (params.task === undefined) return undefined;
  if (!tool.long)
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `${tool.name} does not run as a task (its execution.taskSupport is forbidden); call it without params.task`,
    );
  const ttl = (params.task as { ttl?: unknown } | null)?.ttl;
  return { ttlMs: typeof ttl === 'number' && ttl > 0 ? Math.min(ttl, MAX_TTL_MS) : DEFAULT_TTL_MS };
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The MCP task status: a tool that ended with an error result is `failed` on 2025-11-25. */
function v1Task(t: TaskRecord) {
  return {
    taskId: t.id,
    status: t.status,
    ttl: t.ttlMs,
    createdAt: iso(t.createdAt),
    lastUpdatedAt: iso(t.updatedAt),
    pollInterval: POLL_MS,
    ...(t.statusMessage ? { statusMessage: t.statusMessage } : {}),
  };
}

/** 2026-07-28: a tool error result is a completed task whose result has isError (as a sync call). */
function v2Task(t: TaskRecord, render: Render) {
  const status = t.status === 'failed' && t.error?.code !== 'unavailable' ? 'completed' : t.status;
  return {
    taskId: t.id,
    status,
    ttlMs: t.ttlMs,
    createdAt: iso(t.createdAt),
    lastUpdatedAt: iso(t.updatedAt),
    pollIntervalMs: POLL_MS,
    ...(t.statusMessage ? { statusMessage: t.statusMessage } : {}),
    ...(status === 'completed' ? { result: render(t) } : {}),
    ...(status === 'failed'
      ? {
          error: {
            code: ProtocolErrorCode.InternalError,
            message: t.statusMessage ?? 'failed',
            data: t.error,
          },
        }
      : {}),
  };
}

/** A task's outcome as the CallToolResult the call would have returned. */
export type Render = (t: TaskRecord) => Record<string, unknown>;

/** The answer to a tools/call that started a task. */
export function createdTask(t: TaskRecord, ctx: Ctx): Record<string, unknown> {
  // content: [] keeps the SDK's tools/call result check (CallToolResult) satisfied; clients read
  // the task (2025-11-25) or resultType "task" (2026-07-28)
  return modern(ctx)
    ? { resultType: 'task', content: [], ...v2Task(t, () => ({})) }
    : { content: [], task: v1Task(t) };
}

const TaskId = z.looseObject({ taskId: z.string() });
const Cursor = z.looseObject({ cursor: z.string().optional() }).optional();

/**
 * On 2026-07-28 the task methods answer only requests that declare the tasks extension (-32021
 * otherwise), and tasks/result and tasks/list do not exist (tasks/get carries the result).
 */
function gate(method: string, ctx: Ctx): void {
  if (!modern(ctx)) return;
  if (method === 'tasks/result' || method === 'tasks/list')
    throw new ProtocolError(
      ProtocolErrorCode.MethodNotFound,
      `${method} is not part of protocol 2026-07-28 (tasks/get carries the result)`,
    );
  if (!declaresTasks(ctx))
    throw new ProtocolError(
      -32021,
      `${method} needs the ${TASKS_EXTENSION} extension: declare it in the request's _meta clientCapabilities`,
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    );
}

/** tasks/get, tasks/result, tasks/list, tasks/cancel (and 2026-07-28 tasks/update) for the caller's tasks. */
export function registerTaskHandlers(
  server: McpServer,
  core: Core,
  principalOf: PrincipalOf,
  render: Render,
) {
  const runner = tasksOf(core);
  const owner = (ctx: Ctx) => principalOf(ctx).username;
  // an unknown or foreign task is invalid params (-32602), as both eras ask
  const handle = <S extends z.ZodType>(
    method: string,
    params: S,
    fn: (p: z.output<S>, ctx: Ctx) => Promise<Record<string, unknown>>,
  ) =>
    server.server.setRequestHandler(method, { params }, async (p, ctx) => {
      gate(method, ctx);
      try {
        return await fn(p as z.output<S>, ctx);
      } catch (e) {
        if (!isAppError(e)) throw e;
        throw e.code === 'not_found' || e.code === 'invalid_input'
          ? new ProtocolError(ProtocolErrorCode.InvalidParams, `${e.code}: ${e.message}`, e.toJSON())
          : mcpError(e);
      }
    });
  const shape = (t: TaskRecord, ctx: Ctx): Record<string, unknown> =>
    modern(ctx) ? { resultType: 'complete', ...v2Task(t, render) } : v1Task(t);
  handle('tasks/get', TaskId, async (p, ctx) => shape(await runner.get(p.taskId, owner(ctx)), ctx));
  handle('tasks/result', TaskId, async (p, ctx) => {
    const t = await runner.settled(p.taskId, owner(ctx), ctx.mcpReq.signal);
    if (t.status === 'cancelled')
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `task ${t.id} was cancelled: ${t.statusMessage}`,
      );
    const result = render(t);
    return { ...result, _meta: { ...((result._meta as object) ?? {}), [RELATED_TASK]: { taskId: t.id } } };
  });
  handle('tasks/list', Cursor, async (p, ctx) => {
    const page = await runner.list(owner(ctx), 50, p?.cursor);
    return { tasks: page.tasks.map((t) => shape(t, ctx)), ...(page.next ? { nextCursor: page.next } : {}) };
  });
  handle('tasks/cancel', TaskId, async (p, ctx) => {
    if (!modern(ctx)) return v1Task(await runner.cancel(p.taskId, owner(ctx)));
    // 2026-07-28: the same empty ack for an ended task as for a working one (idempotent)
    if ((await runner.get(p.taskId, owner(ctx))).status === 'working')
      await runner.cancel(p.taskId, owner(ctx));
    return { resultType: 'complete' };
  });
  // 2026-07-28: no mahavishnu task asks for input, so there is nothing to update; acknowledged
  handle('tasks/update', TaskId, async (p, ctx) => {
    await runner.get(p.taskId, owner(ctx));
    return { resultType: 'complete' };
  });
}

/** Start the call as a task and answer with it; the client channel is kept for log messages only. */
export async function startTask(
  core: Core,
  tool: Tool,
  args: unknown,
  ttlMs: number,
  principal: ReturnType<PrincipalOf>,
  client: ClientChannel,
  ctx: Ctx,
): Promise<Record<string, unknown>> {
  try {
    const t = await tasksOf(core).start(tool, args, {
      core,
      principal,
      ttlMs,
      client: {
        log: client.log,
        request: () => Promise.reject(new AppError('unavailable', 'not in a task')),
      },
    });
    return createdTask(t, ctx);
  } catch (e) {
    throw isAppError(e) ? mcpError(e) : e;
  }
}
