import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Core } from '../core/core.js';
import { AppError, notFound } from '../core/errors.js';
import type { TaskRecord } from '../core/tasks/tasks.js';
import type { AnyTool, Progress } from './define.js';
import { type CallOptions, invoke } from './invoke.js';

/** How often a running task shows it is alive (and learns of a cancel asked on another replica). */
const HEARTBEAT_MS = 1000;
/** A working task not heard of for this long was interrupted: its process stopped. */
const STALE_MS = 5000;
/** Progress is written to the store at most this often (the latest report wins). */
const PROGRESS_WRITE_MS = 500;

/** Why a task's signal was aborted: its owner cancelled it, or the server is stopping. */
class Stop extends Error {
  constructor(readonly kind: 'cancel' | 'shutdown') {
    super(kind === 'cancel' ? 'cancelled by its caller' : 'the server shut down');
    this.name = 'AbortError';
  }
}

interface Running {
  ctl: AbortController;
  done: Promise<void>;
}

export type TaskCallOptions = Omit<CallOptions, 'signal' | 'callId'> & { ttlMs: number | null };

/**
 * Runs tool calls as durable tasks: `start` records the task in the state store and returns at
 * once; the call goes on through `invoke` (policy, role, audit, approvals as for any call) with
 * its own abort signal, writes progress, and ends as completed, failed or cancelled in the store.
 * A cancel asked on any replica reaches the running process through its heartbeat; a task whose
 * process stopped is marked failed with the reason. One runner per core.
 */
export class TaskRunner {
  readonly runnerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private beats = 0;
  private stopping = false;

  constructor(private readonly core: Core) {
    core.onClose(() => this.drain(0));
    void this.sweep();
  }

  get size(): number {
    return this.running.size;
  }

  async start(tool: AnyTool, input: unknown, opts: TaskCallOptions): Promise<TaskRecord> {
    if (this.stopping)
      throw new AppError(
        'unavailable',
        'the server is shutting down; start the task on another replica or retry',
      );
    const { core } = this;
    const rec = await core.tasks.create({
      owner: opts.principal.username,
      tool: tool.name,
      ttlMs: opts.ttlMs,
      runner: this.runnerId,
    });
    const ctl = new AbortController();
    const progress = this.progressWriter(rec.id, opts.progress);
    const done = invoke(tool, input, {
      ...opts,
      callId: rec.id,
      signal: ctl.signal,
      progress: progress.report,
    })
      .then(async (output) => {
        await progress.flush();
        await core.tasks.finish(rec.id, 'completed', { output, message: 'completed' });
      })
      .catch(async (e: AppError) => {
        await progress.flush();
        const reason = ctl.signal.reason;
        const status = reason instanceof Stop && reason.kind === 'cancel' ? 'cancelled' : 'failed';
        const message =
          reason instanceof Stop && reason.kind === 'shutdown'
            ? `interrupted: the server shut down while it ran (${e.code}: ${e.message})`
            : `${e.code}: ${e.message}`;
        await core.tasks.finish(rec.id, status, { error: e.toJSON(), message });
      })
      .catch((e) => core.log.error({ err: e, task: rec.id }, 'task end could not be recorded'))
      .finally(() => this.running.delete(rec.id));
    this.running.set(rec.id, { ctl, done });
    this.tick();
    return rec;
  }

  /** A task of this user; a working one whose process stopped is marked failed first. */
  async get(id: string, owner: string): Promise<TaskRecord> {
    let rec = await this.core.tasks.get(id);
    if (!rec || rec.owner !== owner)
      throw notFound(`no task ${id} of ${owner}; list your tasks with tasks/list`);
    if (rec.status === 'working' && !this.running.has(id) && rec.heartbeatAt < Date.now() - STALE_MS) {
      await this.core.tasks.failInterrupted(STALE_MS);
      rec = (await this.core.tasks.get(id))!;
    }
    return rec;
  }

  async list(owner: string, limit: number, cursor?: string): Promise<{ tasks: TaskRecord[]; next?: string }> {
    const before = cursor ? decodeCursor(cursor) : undefined;
    const tasks = await this.core.tasks.list(owner, limit + 1, before);
    const page = tasks.slice(0, limit);
    const last = page.at(-1);
    return tasks.length > limit && last ? { tasks: page, next: encodeCursor(last) } : { tasks: page };
  }

  /** Wait until the task has ended (or signal aborts), and return it. */
  async settled(id: string, owner: string, signal?: AbortSignal): Promise<TaskRecord> {
    for (;;) {
      const rec = await this.get(id, owner);
      if (rec.status !== 'working') return rec;
      const local = this.running.get(id)?.done;
      await Promise.race([
        local ?? new Promise((r) => setTimeout(r, 250)),
        new Promise((r) => signal?.addEventListener('abort', r, { once: true })),
      ]);
      signal?.throwIfAborted();
    }
  }

  /**
   * Cancel a working task and wait (up to 2 s) for its work to stop, so the answer tells what it
   * did. Run on another replica, it stops at that process's next heartbeat; if that has not been
   * seen in time, the task is recorded cancelled here and the work stops within a second.
   */
  async cancel(id: string, owner: string): Promise<TaskRecord> {
    const rec = await this.get(id, owner);
    if (rec.status !== 'working')
      throw new AppError('invalid_input', `task ${id} has already ended (${rec.status}); nothing to cancel`);
    await this.core.tasks.requestCancel(id);
    const local = this.running.get(id);
    if (local) {
      local.ctl.abort(new Stop('cancel'));
      await Promise.race([local.done, new Promise((r) => setTimeout(r, 2000))]);
    } else {
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && (await this.core.tasks.get(id))?.status === 'working')
        await new Promise((r) => setTimeout(r, 100));
    }
    await this.core.tasks.finish(id, 'cancelled', {
      error: new AppError('timeout', 'cancelled by its caller').toJSON(),
      message: 'cancelled by its caller; the work stops within a second',
    });
    return this.get(id, owner);
  }

  /**
   * Shutdown: running tasks get up to graceMs to end, then are aborted (and recorded failed with
   * the reason) with another 2 s to stop.
   */
  async drain(graceMs: number): Promise<void> {
    this.stopping = true;
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    if (this.running.size > 0 && graceMs > 0)
      await Promise.race([all(), new Promise((r) => setTimeout(r, graceMs))]);
    for (const r of this.running.values()) r.ctl.abort(new Stop('shutdown'));
    if (this.running.size > 0) await Promise.race([all(), new Promise((r) => setTimeout(r, 2000))]);
    clearTimeout(this.timer);
  }

  private progressWriter(id: string, forward?: (p: Progress) => void) {
    let latest: Progress | undefined;
    let writing: Promise<void> = Promise.resolve();
    let last = 0;
    const write = () => {
      const p = latest;
      latest = undefined;
      last = Date.now();
      if (p) writing = writing.then(() => this.core.tasks.progress(id, p)).catch(() => {});
      return writing;
    };
    return {
      report: (p: Progress) => {
        forward?.(p);
        latest = p;
        if (Date.now() - last >= PROGRESS_WRITE_MS) void write();
      },
      flush: () => write(),
    };
  }

  /** The heartbeat: runs while this process runs tasks. */
  private tick() {
    if (this.timer || this.running.size === 0) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      try {
        const ids = [...this.running.keys()];
        for (const id of await this.core.tasks.heartbeat(this.runnerId, ids))
          this.running.get(id)?.ctl.abort(new Stop('cancel'));
        if (++this.beats % 30 === 0) await this.sweep();
      } catch (e) {
        this.core.log.warn({ err: e }, 'task heartbeat failed; retrying');
      }
      if (!this.stopping) this.tick();
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  private async sweep() {
    try {
      const n = await this.core.tasks.failInterrupted(STALE_MS);
      if (n > 0) this.core.log.warn({ tasks: n }, 'tasks interrupted by a stopped process marked failed');
      await this.core.tasks.sweepExpired();
    } catch (e) {
      this.core.log.debug({ err: e }, 'task sweep failed');
    }
  }
}

const encodeCursor = (t: TaskRecord) => Buffer.from(`${t.createdAt}:${t.id}`).toString('base64url');
function decodeCursor(c: string): { createdAt: number; id: string } {
  const [at, id] = Buffer.from(c, 'base64url').toString().split(':');
  if (!at || !id || !Number.isFinite(Number(at)))
    throw new AppError('invalid_input', 'the cursor is not one tasks/list returned; start without one');
  return { createdAt: Number(at), id };
}

const runners = new WeakMap<Core, TaskRunner>();

/** The task runner of this core (made on first use). */
export function tasksOf(core: Core): TaskRunner {
  const known = runners.get(core);
  if (known) return known;
  const r = new TaskRunner(core);
  runners.set(core, r);
  return r;
}
