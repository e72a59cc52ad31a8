import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StepRow } from '../workflows/runs.js';
import type { Finished, Outcome, StepQueue } from './queue.js';

interface Entry {
  step: StepRow;
  owner: string;
  outcome: Outcome;
  at: number;
  /** Writes refused for a reason other than the store being away. */
  refused?: number;
}

/**
 * Step results that could not be written (the store was away when the step ended): kept in
 * memory and in one file each under `<data.dir>/pool-spool/`, written when the store is back,
 * and replayed by the next process to start on this data directory. A write is fenced like any
 * other, so a result whose lease was taken over meanwhile is dropped (with a log line), never
 * written over the new holder's.
 */
export class ResultSpool {
  private readonly pending = new Map<string, Entry>();
  private flushing: Promise<Array<{ step: StepRow; result: Finished }>> | undefined;

  constructor(
    private readonly dir: string,
    private readonly queue: StepQueue,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Keep a result the store refused just now. */
  add(step: StepRow, owner: string, outcome: Outcome): void {
    const name = `${step.id}.${step.fence}.json`;
    const entry: Entry = { step, owner, outcome, at: Date.now() };
    this.pending.set(name, entry);
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = join(this.dir, `.${name}.tmp`);
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, join(this.dir, name));
    } catch (e) {
      this.log.error(
        { err: e, step: step.id },
        'cannot write the result spool; the result is kept in memory',
      );
    }
  }

  /** Pick up what a previous process on this data directory left (it died before the store came back). */
  load(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch {
      return;
    }
    for (const name of names) {
      if (this.pending.has(name)) continue;
      try {
        this.pending.set(name, JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as Entry);
      } catch (e) {
        this.log.warn({ err: e, file: name }, 'unreadable result spool entry skipped');
      }
    }
  }

  /** Write what is pending; returns the results that were recorded. One flush at a time. */
  flush(): Promise<Array<{ step: StepRow; result: Finished }>> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushAll(): Promise<Array<{ step: StepRow; result: Finished }>> {
    const done: Array<{ step: StepRow; result: Finished }> = [];
    for (const [name, e] of [...this.pending]) {
      try {
        const result = await this.queue.finish(e.step, e.owner, e.outcome);
        if (result) {
          done.push({ step: e.step, result });
          this.log.info(
            { step: e.step.id, fence: e.step.fence, state: result.state, spooled_ms: Date.now() - e.at },
            'spooled step result recorded',
          );
        } else
          this.log.warn(
            { step: e.step.id, fence: e.step.fence },
            'spooled step result dropped: the lease was taken over meanwhile (or the result was already recorded)',
          );
        this.forget(name);
      } catch (err) {
        if (isAppError(err) && err.code === 'unavailable') break; // still away: try again next pass
        e.refused = (e.refused ?? 0) + 1;
        this.log.error({ err, step: e.step.id }, 'the store refused a spooled step result');
        if (e.refused >= 3) {
          // never a loop forever: record the end without the output the store refuses
          e.outcome = { kind: 'lost', reason: `result not storable: ${(err as Error).message}` };
        }
        if (e.refused >= 5) this.forget(name);
      }
    }
    return done;
  }

  private forget(name: string): void {
    this.pending.delete(name);
    rmSync(join(this.dir, name), { force: true });
  }
}
