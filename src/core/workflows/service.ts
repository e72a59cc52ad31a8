import { checkAdapterSteps } from '../adapters/step.js';
import { cancelled, sleep } from '../cancel.js';
import type { Config } from '../config/schema.js';
import { AppError, forbidden, invalid } from '../errors.js';
import type { PoolService } from '../pools/service.js';
import type { Db } from '../sql/db.js';
import { findWorkflow, loadWorkflows, planSteps, type StepPlan, stepArgv } from './definition.js';
import { type RunRow, RunStore, TERMINAL } from './runs.js';
import {
  type RunLogs,
  type RunStatus,
  type RunSummary,
  runTargetProblem,
  type WorkflowInfo,
  type WorkflowRunInput,
} from './schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Workflow files, runs and their logs: what the workflow tools call. */
export class WorkflowService {
  readonly runs: RunStore;

  constructor(
    db: Db,
    private readonly config: () => Config,
    private readonly pools: () => PoolService,
  ) {
    this.runs = new RunStore(db);
  }

  list(): WorkflowInfo[] {
    return [...loadWorkflows(this.config().workflows.dir).values()].map((w) => ({
      name: w.name,
      description: w.description,
      pool: w.pool,
      params: Object.entries(w.params).map(([name, p]) => ({
        name,
        type: p.type,
        description: p.description,
        required: p.default === undefined,
        ...(p.default !== undefined ? { default: String(p.default) } : {}),
        ...(p.enum ? { choices: p.enum } : {}),
      })),
      steps: w.steps.map((s) => ({ name: s.name, argv: stepArgv(s) })),
      retries: w.retries,
      timeout_ms: w.timeout_ms,
      file: w.file,
    }));
  }

  /** Queue a run of a reviewed workflow (or an allowed ad hoc command); returns at once. */
  async run(input: WorkflowRunInput, requestedBy: string): Promise<RunStatus> {
    // workflow_run's schema refuses this first; kept for any other caller
    const problem = runTargetProblem(input);
    if (problem) throw invalid(problem);
    const key = input.idempotency_key;
    const windowMs = this.config().workflows.idempotency_window_s * 1000;
    if (key) {
      const existing = await this.runs.byIdempotencyKey(key, windowMs);
      if (existing) return this.status(existing.id);
    }
    let workflow: string;
    let poolRef: string;
    let steps: StepPlan[];
    let params: Record<string, string> = {};
    if (input.command) {
      const exe = input.command[0]!;
      const allowed = this.config().workflows.adhoc_executables;
      if (!allowed.includes(exe)) {
        throw forbidden(
          `ad hoc command ${exe} is not allowed here; add it to workflows.adhoc_executables in the settings, or write a reviewed workflow file`,
        );
      }
      workflow = `adhoc:${exe}`;
      poolRef = input.pool ?? 'default';
      steps = [
        {
          name: 'command',
          argv: input.command,
          cwd: process.cwd(),
          envAllow: ['PATH'],
          envSet: {},
          timeoutMs: input.timeout_ms,
          maxAttempts: 1 + input.retries,
        },
      ];
    } else {
      const wf = findWorkflow(this.config().workflows.dir, input.name!);
      ({ params, steps } = planSteps(wf, input.params));
      checkAdapterSteps(steps, this.config().adapters);
      workflow = wf.name;
      poolRef = input.pool ?? wf.pool;
    }
    const pool = await this.pools()
      .store.find(poolRef)
      .catch(() => {
        throw new AppError(
          'not_found',
          `pool ${poolRef} does not exist; spawn it with \`pool_spawn {"name":"${poolRef}","type":"mahavishnu","min":1,"max":4}\``,
        );
      });
    if (pool.state !== 'active') throw invalid(`pool ${pool.name} is ${pool.state}; run on an active pool`);
    let run: RunRow;
    try {
      run = await this.runs.create({
        workflow,
        poolId: pool.id,
        params,
        steps,
        requestedBy,
        idempotencyKey: key,
      });
    } catch (e) {
      // the same key, sent twice at once: the unique column let one insert through
      const existing = key ? await this.runs.byIdempotencyKey(key, windowMs) : undefined;
      if (existing) return this.status(existing.id);
      throw e;
    }
    this.pools().runtime?.wake(pool.id);
    return this.status(run.id);
  }

  async status(id: string): Promise<RunStatus> {
    const run = await this.runs.get(id);
    const steps = await this.runs.steps(id);
    return {
      id: run.id,
      workflow: run.workflow,
      pool_id: run.pool_id,
      pool: (await this.poolNames()).get(run.pool_id) ?? run.pool_id,
      state: run.state,
      params: JSON.parse(run.params) as Record<string, string>,
      requested_by: run.requested_by,
      cancel_requested: run.cancel_requested === 1,
      created_at: iso(run.created_at)!,
      started_at: iso(run.started_at),
      finished_at: iso(run.finished_at),
      steps: steps.map((s) => ({
        index: s.idx,
        name: s.name,
        argv: JSON.parse(s.argv) as string[],
        state: s.state,
        attempts: s.attempts,
        max_attempts: s.max_attempts,
        exit_code: s.exit_code,
        error: s.error,
        started_at: iso(s.started_at),
        finished_at: iso(s.finished_at),
      })),
    };
  }

  private async poolNames(): Promise<Map<string, string>> {
    return new Map((await this.pools().store.list(true)).map((p) => [p.id, p.name]));
  }

  async recent(limit: number): Promise<RunSummary[]> {
    const names = await this.poolNames();
    return (await this.runs.recent(limit)).map((r) => ({
      id: r.id,
      workflow: r.workflow,
      pool_id: r.pool_id,
      pool: names.get(r.pool_id) ?? r.pool_id,
      params: JSON.parse(r.params) as Record<string, string>,
      state: r.state,
      created_at: iso(r.created_at)!,
      finished_at: iso(r.finished_at),
    }));
  }

  /** Captured output of each step (the tail, at most maxBytes per step). */
  async logs(id: string, maxBytes: number): Promise<RunLogs> {
    const run = await this.runs.get(id);
    const steps = await this.runs.steps(id);
    return {
      id: run.id,
      state: run.state,
      steps: steps.map((s) => {
        const buf = Buffer.from(s.output, 'utf8');
        const cut = buf.length > maxBytes;
        return {
          index: s.idx,
          name: s.name,
          state: s.state,
          truncated: cut,
          output: cut ? buf.subarray(buf.length - maxBytes).toString('utf8') : s.output,
        };
      }),
    };
  }

  /** Stop a run: steps not started are cancelled, the running one's process is killed; waits up to waitMs. */
  async cancel(id: string, waitMs: number, signal?: AbortSignal): Promise<RunStatus> {
    const running = await this.runs.requestCancel(id);
    this.pools().runtime?.cancelSteps(running);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const r = await this.runs.get(id);
      if (TERMINAL.includes(r.state)) break;
      // the caller stopped waiting: the cancel itself is recorded and goes on
      if (signal?.aborted)
        throw cancelled(signal, {
          done: [`cancel of run ${id} recorded; its running step(s) told to stop`],
          notDone: ['waiting for the run to end (workflow_status shows it)'],
        });
      await sleep(50, signal).catch(() => {});
    }
    return this.status(id);
  }
}
