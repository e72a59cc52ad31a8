import type { Readable, Writable } from 'node:stream';
import {
  isJSONRPCRequest,
  type JSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  parseJSONRPCMessage,
  serializeMessage,
  type Transport,
} from '@modelcontextprotocol/server';

/** The most one stdio message may hold; a longer line is dropped (and said so), not fatal. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;
/** Requests a client may send before it has initialized (2025-11-25) or discovered (2026-07-28). */
const OPENERS = new Set(['initialize', 'server/discover', 'ping']);

/**
 * stdin/stdout as the SDK's serveStdio sees them, with two rules the SDK's own transport lacks:
 * - a request before `initialize` is refused (-32600), unless it is a 2026-07-28 request, which
 *   carries its protocol version in its `_meta` envelope and needs no handshake;
 * - a line longer than MAX_LINE_BYTES is dropped and reported on stderr, and the connection goes
 *   on serving (the SDK's transport closed the connection, so `mcp start` exited 0 silently).
 */
export class GuardedStdio implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /**
   * Sees each message of an initialized connection first, as parsed JSON; true when it took the
   * message (src/mcp/direct-calls.ts), which the SDK then never sees.
   */
  intercept?: (message: unknown) => boolean;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside an oversized line: drop bytes until its end. */
  private skipping = false;
  private opened = false;
  private closed = false;
  /** The messages of this event-loop turn, not yet written. */
  private batch: Batch | undefined;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    private readonly max = MAX_LINE_BYTES,
  ) {}

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStdinError);
    this.stdin.on('end', this.onEnd);
    this.stdin.on('close', this.onEnd);
    this.stdout.on('error', this.onStdoutError);
  }

  private readonly onStdinError = (e: Error) => this.onerror?.(e);
  // the client went away (EPIPE): end the connection instead of crashing on an unhandled error
  private readonly onStdoutError = (e: Error) => {
    if (this.closed) return;
    this.onerror?.(e);
    void this.close();
  };
  private readonly onEnd = () => void this.close();

  private readonly onData = (chunk: Buffer) => {
    let at = 0;
    for (let nl = chunk.indexOf(10, at); nl !== -1; nl = chunk.indexOf(10, at)) {
      this.take(chunk.subarray(at, nl));
      this.line();
      at = nl + 1;
    }
    this.take(chunk.subarray(at));
  };

  private take(part: Buffer) {
    if (this.skipping || part.length === 0) return;
    if (this.size + part.length > this.max) {
      this.skipping = true;
      this.chunks = [];
      this.size = 0;
      this.warn(
        `mahavishnu: dropped a stdio message longer than ${this.max} bytes (the limit of one message); ` +
          'the connection goes on. Send large inputs in smaller calls.',
      );
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }

  private line() {
    const skipped = this.skipping;
    const text = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    this.skipping = false;
    if (skipped || !text.trim()) return;
    let message: JSONRPCMessage;
    try {
      const raw: unknown = JSON.parse(text);
      if (this.opened && this.intercept?.(raw)) return;
      message = parseJSONRPCMessage(raw);
    } catch (e) {
      this.onerror?.(e as Error);
      return;
    }
    if (!this.opened && isJSONRPCRequest(message)) {
      const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
      const modern = meta?.[PROTOCOL_VERSION_KEY] !== undefined;
      if (message.method === 'initialize' || modern) this.opened = true;
      else if (!OPENERS.has(message.method)) {
        void this.send({
          jsonrpc: '2.0',
          id: message.id,
          error: {
            code: ProtocolErrorCode.InvalidRequest,
            message: `${message.method} before initialize: send initialize first (or, on 2026-07-28, requests that carry the _meta protocol version)`,
          },
        }).catch(() => {});
        return;
      }
    }
    this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(serializeMessage(message));
  }

  /** One message already serialised (without its newline). */
  sendLine(json: string): Promise<void> {
    return this.write(`${json}\n`);
  }

  /**
   * Messages of one event-loop turn go out in one write at its end: a pipe write is a system call
   * (about 11 µs of a call's CPU with 16 in flight; docs/performance.md), and the answers of calls
   * that end in the same turn now share one. Order is kept; close() writes what waits.
   */
  private write(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('stdio is closed'));
    if (!this.batch) {
      let settle!: Batch['settle'];
      const written = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      this.batch = { data: '', written, settle };
      setImmediate(() => this.flush());
    }
    this.batch.data += line;
    return this.batch.written;
  }

  /** Write the waiting messages now (at the end of their turn, or at close). */
  private flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const { resolve, reject } = batch.settle;
    const ok = this.stdout.write(batch.data, (e) => (e ? reject(e) : undefined));
    if (ok) resolve();
    else this.stdout.once('drain', resolve);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStdinError);
    this.stdin.off('end', this.onEnd);
    this.stdin.off('close', this.onEnd);
    this.stdin.pause();
    this.onclose?.();
  }
}

const PROTOCOL_VERSION_KEY: string = PROTOCOL_VERSION_META_KEY;

interface Batch {
  data: string;
  /** Resolves when the data is handed to stdout (after 'drain' when its buffer was full). */
  written: Promise<void>;
  settle: { resolve: () => void; reject: (e: Error) => void };
}
