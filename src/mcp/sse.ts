import { randomUUID } from 'node:crypto';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import type { AuthInfo, JSONRPCMessage, Transport } from '@modelcontextprotocol/server';

const encoder = new TextEncoder();

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) on web-standard Request/Response, so it runs
 * inside the Hono app like Streamable HTTP does. The v2 SDK has no server side for it (v1's
 * SSEServerTransport wrote to a node ServerResponse, bypassing Hono). The wire format is v1's: an `endpoint` event naming `<endpoint>?sessionId=…`, then `message` events;
 * the client POSTs each message to the endpoint and gets 202.
 */
export class SseTransport implements Transport {
  readonly sessionId = randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private closed = false;
  private keepAlive: NodeJS.Timeout | undefined;
  readonly response: Response;

  constructor(endpoint: string, keepAliveMs = 15_000) {
    const url = `${endpoint}?sessionId=${this.sessionId}`;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        controller.enqueue(encoder.encode(`event: endpoint\ndata: ${url}\n\n`));
      },
      cancel: () => this.finish(),
    });
    this.response = new Response(stream, {
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
      },
    });
    // comment frames keep proxies from cutting an idle stream
    if (keepAliveMs > 0) {
      this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
      this.keepAlive.unref();
    }
  }

  async start(): Promise<void> {}

  private write(text: string): boolean {
    if (this.closed || !this.controller) return false;
    try {
      this.controller.enqueue(encoder.encode(text));
      return true;
    } catch {
      this.finish();
      return false;
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`)) throw new Error('Not connected');
  }

  /** A message the client POSTed to the endpoint: 202 when accepted, 400 when it is not JSON-RPC. */
  handlePost(body: unknown, authInfo: AuthInfo, request: Request): Response {
    if (this.closed) return new Response('the SSE stream of this session is closed', { status: 404 });
    const parsed = JSONRPCMessageSchema.safeParse(body);
    if (!parsed.success) {
      this.onerror?.(new Error('invalid JSON-RPC message'));
      return new Response('Invalid message: not a JSON-RPC message', { status: 400 });
    }
    this.onmessage?.(parsed.data as JSONRPCMessage, { authInfo, request });
    return new Response('Accepted', { status: 202 });
  }

  private finish() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.onclose?.();
  }

  async close(): Promise<void> {
    if (!this.closed) {
      try {
        this.controller?.close();
      } catch {}
    }
    this.finish();
  }
}
