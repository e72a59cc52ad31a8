import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Image pieces (format 3) inflated and written into the restored database file by worker
 * threads, each with the file open: the event loop hands over a piece's deflated bytes (a
 * fraction of its size, moved, not copied) and never holds its plaintext. On the event loop, the
 * 8 MiB of every piece made V8 collect garbage about once per piece (external memory pressure):
 * a third of a restore's time.
 * The worker is evaluated from this string rather than loaded from a file: the CLI is bundled.
 */
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const { inflateRawSync } = require('node:zlib');
const fs = require('node:fs');
const fd = fs.openSync(w.path, 'r+');
let written = 0;
parentPort.on('message', (m) => {
  if (m === 'close') {
    fs.closeSync(fd);
    parentPort.close();
    return;
  }
  try {
    const packed = Buffer.from(m.packed);
    let plain;
    try {
      // bounded by the size the signed manifest declares: a piece never inflates beyond it
      plain = inflateRawSync(packed, { maxOutputLength: Math.max(1, m.size), chunkSize: Math.max(64 << 10, m.size) });
    } catch {
      parentPort.postMessage({ n: m.n, ok: false });
      return;
    }
    if (plain.length !== m.size) return parentPort.postMessage({ n: m.n, ok: false });
    for (let done = 0; done < plain.length; )
      done += fs.writeSync(fd, plain, done, plain.length - done, m.at + done);
    // written back as the restore goes, while the other workers inflate: the fsync that makes the
    // file durable before it is put in place (its checkpoint) then waits only for the last pieces
    if (++written % 4 === 0) fs.fdatasyncSync(fd);
    parentPort.postMessage({ n: m.n, ok: true });
  } catch (e) {
    parentPort.postMessage({ n: m.n, err: String((e && e.message) || e) });
  }
});
`;

/** A pool of writers into one existing file. */
export class ImageOpener {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, (r: { ok?: boolean; err?: string }) => void>();
  private readonly inflight = new Set<Promise<boolean>>();
  private next = 0;
  private failure: Error | undefined;

  constructor(path: string, threads = Math.max(2, availableParallelism())) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER, { eval: true, workerData: { path } });
      w.on('message', (m: { n: number; ok?: boolean; err?: string }) => {
        this.waiting.get(m.n)?.(m);
        this.waiting.delete(m.n);
      });
      w.on('error', (e) => {
        this.failure ??= e;
        for (const settle of this.waiting.values()) settle({ err: e.message });
        this.waiting.clear();
      });
      this.workers.push(w);
    }
  }

  /**
   * Inflate `packed` (a piece's deflated bytes, whose memory moves to the worker) and write the
   * `size` bytes it must make at offset `at`; false when it does not inflate to exactly that.
   */
  open(packed: Buffer, size: number, at: number): Promise<boolean> {
    if (this.failure) return Promise.reject(this.failure);
    const n = this.next++;
    const own = packed.byteOffset === 0 && packed.byteLength === packed.buffer.byteLength;
    const bytes = own ? packed : Buffer.from(packed);
    const done = new Promise<boolean>((resolve, reject) => {
      this.waiting.set(n, (r) => (r.err === undefined ? resolve(r.ok === true) : reject(new Error(r.err))));
      this.workers[n % this.workers.length]!.postMessage({ n, packed: bytes, size, at }, [
        bytes.buffer as ArrayBuffer,
      ]);
    });
    this.inflight.add(done);
    void done.catch(() => {}).finally(() => this.inflight.delete(done));
    return done;
  }

  /** Every piece handed over written (or failed), the workers' file closed, the workers ended. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    await Promise.all(
      this.workers.splice(0).map(
        (w) =>
          new Promise<void>((r) => {
            w.once('exit', () => r());
            w.postMessage('close');
          }),
      ),
    );
  }
}
