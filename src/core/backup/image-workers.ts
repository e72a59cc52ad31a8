import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Image pieces (format 3) deflated from, or inflated into, a database file by worker threads,
 * each with the file open: the event loop only handles a piece's deflated bytes (a fraction of
 * its size, moved between threads, not copied) and never its plaintext. On the event loop, the
 * 8 MiB of every piece made V8 collect garbage about once per piece (external memory pressure):
 * a third of a restore's time.
 * The worker is evaluated from this string rather than loaded from a file: the CLI is bundled.
 */
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const { deflateRawSync, inflateRawSync } = require('node:zlib');
const fs = require('node:fs');
const fd = fs.openSync(w.path, w.write ? 'r+' : 'r');
let written = 0;
const own = (b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : Buffer.from(b));
const inflate = (m) => {
  let plain;
  try {
    // bounded by the size the signed manifest declares: a piece never inflates beyond it
    plain = inflateRawSync(Buffer.from(m.packed), { maxOutputLength: Math.max(1, m.size), chunkSize: Math.max(64 << 10, m.size) });
  } catch {
    return { ok: false };
  }
  if (plain.length !== m.size) return { ok: false };
  for (let done = 0; done < plain.length; )
    done += fs.writeSync(fd, plain, done, plain.length - done, m.at + done);
  // written back as the restore goes, while the other workers inflate: the fsync that makes the
  // file durable before it is put in place (its checkpoint) then waits only for the last pieces
  if (++written % 4 === 0) fs.fdatasyncSync(fd);
  return { ok: true };
};
const deflate = (m) => {
  const plain = Buffer.allocUnsafe(m.size);
  for (let done = 0; done < m.size; ) {
    const n = fs.readSync(fd, plain, done, m.size - done, m.at + done);
    if (n === 0) throw new Error('the image ended before its size (it changed while it was read)');
    done += n;
  }
  return { packed: own(deflateRawSync(plain, { level: m.level, chunkSize: 1 << 20 })) };
};
parentPort.on('message', (m) => {
  if (m === 'close') {
    fs.closeSync(fd);
    parentPort.close();
    return;
  }
  try {
    const r = m.op === 'inflate' ? inflate(m) : deflate(m);
    parentPort.postMessage({ n: m.n, ...r }, r.packed ? [r.packed.buffer] : []);
  } catch (e) {
    parentPort.postMessage({ n: m.n, err: String((e && e.message) || e) });
  }
});
`;

interface Reply {
  ok?: boolean;
  packed?: Uint8Array;
  err?: string;
}

/** A pool of worker threads on one database file; each call goes to the next worker in turn. */
class FileWorkers {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private readonly inflight = new Set<Promise<Reply>>();
  private next = 0;
  private failure: Error | undefined;

  constructor(path: string, write: boolean, threads = Math.max(2, availableParallelism())) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER, { eval: true, workerData: { path, write } });
      w.on('message', (m: Reply & { n: number }) => {
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

  protected call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const n = this.next++;
    const done = new Promise<Reply>((resolve, reject) => {
      this.waiting.set(n, (r) => (r.err === undefined ? resolve(r) : reject(new Error(r.err))));
      this.workers[n % this.workers.length]!.postMessage({ ...msg, n }, transfer);
    });
    this.inflight.add(done);
    void done.catch(() => {}).finally(() => this.inflight.delete(done));
    return done;
  }

  /** Every call made has ended (or failed), the workers' file is closed, the workers ended. */
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

/** Writers into one existing file (a restore's fresh database file). */
export class ImageOpener extends FileWorkers {
  constructor(path: string) {
    super(path, true);
  }

  /**
   * Inflate `packed` (a piece's deflated bytes, whose memory moves to the worker) and write the
   * `size` bytes it must make at offset `at`; false when it does not inflate to exactly that.
   */
  async open(packed: Buffer, size: number, at: number): Promise<boolean> {
    const own = packed.byteOffset === 0 && packed.byteLength === packed.buffer.byteLength;
    const bytes = own ? packed : Buffer.from(packed);
    const r = await this.call({ op: 'inflate', packed: bytes, size, at }, [bytes.buffer as ArrayBuffer]);
    return r.ok === true;
  }
}

/** Readers of one file that is not written meanwhile (a snapshot, or a restore's replaced file). */
export class ImageDeflater extends FileWorkers {
  constructor(path: string, threads?: number) {
    super(path, false, threads);
  }

  /** The `size` bytes at offset `at`, deflated (raw) at `level`. */
  async deflate(at: number, size: number, level: number): Promise<Buffer> {
    const r = await this.call({ op: 'deflate', at, size, level });
    const p = r.packed!;
    return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  }
}
