import pino, { type DestinationStream } from 'pino';

type SonicBoom = ReturnType<typeof pino.destination>;

/** Streams holding lines of the current event-loop turn: written out synchronously at exit. */
const pending = new Set<TurnBatched>();
let exitHooked = false;

/**
 * The log's stderr: the lines of one event-loop turn go out in one write, at the end of the turn
 * (setImmediate), through sonic-boom (asynchronous, as before). A write per line cost about half of
 * a tool call over stdio (an fs.write through the thread pool each: ~50 of ~90 µs of CPU with 16
 * calls in flight; docs/performance.md); the calls of one turn now share one. A line waits at most
 * for the end of its turn, and lines still waiting when the process exits are written then.
 */
export class TurnBatched implements DestinationStream {
  private lines = '';

  constructor(private readonly dest: SonicBoom = pino.destination({ fd: 2, sync: false })) {
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const s of pending) s.flushSync();
      });
    }
  }

  write(line: string): void {
    if (this.lines === '') {
      pending.add(this);
      setImmediate(this.drain);
    }
    this.lines += line;
  }

  private readonly drain = () => {
    if (this.lines === '') return;
    const lines = this.lines;
    this.lines = '';
    pending.delete(this);
    this.dest.write(lines);
  };

  /** pino's logger.flush(): what waits, then sonic-boom's own flush. */
  flush(cb?: (err?: Error) => void): void {
    this.drain();
    this.dest.flush(cb);
  }

  flushSync(): void {
    this.drain();
    try {
      this.dest.flushSync();
    } catch {
      // not open yet, or destroyed: nothing more can be written
    }
  }
}
