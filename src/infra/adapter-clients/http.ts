import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import {
  type AdapterClient,
  AdapterFailure,
  type AdapterRequest,
  type AdapterResponse,
} from '../../core/adapters/adapter.js';

type Spec = { base_url: string; health_path: string; timeout_ms: number };

/** An HTTP adapter over its own keep-alive agent, so a restart can drop exactly its connections. */
export class HttpAdapterClient implements AdapterClient {
  private agent: http.Agent;
  private readonly base: URL;

  constructor(private readonly spec: Spec) {
    this.base = new URL(spec.base_url);
    this.agent = this.newAgent();
  }

  private newAgent(): http.Agent {
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    return new Agent({ keepAlive: true, maxSockets: 32 });
  }

  private request(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<AdapterResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : `${this.base}/`);
    const lib = url.protocol === 'https:' ? https : http;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = lib.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.spec.timeout_ms,
          signal,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new AdapterFailure(e.message)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {}
            const status = res.statusCode ?? 0;
            if (status >= 500) reject(new AdapterFailure(`answered HTTP ${status}`));
            else resolve({ status, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new AdapterFailure(`no answer within ${this.spec.timeout_ms} ms`)));
      req.on('error', (e) =>
        reject(
          e instanceof AdapterFailure
            ? e
            : new AdapterFailure((e as NodeJS.ErrnoException).code ?? e.message),
        ),
      );
      req.end(payload);
    });
  }

  call(req: z.output<typeof AdapterRequest>, signal: AbortSignal): Promise<AdapterResponse> {
    return this.request(req.method, req.path, req.body, signal);
  }

  async probe(signal: AbortSignal): Promise<string> {
    const res = await this.request('GET', this.spec.health_path, undefined, signal);
    if (res.status < 200 || res.status >= 300) throw new AdapterFailure(`health answered HTTP ${res.status}`);
    return `GET ${this.spec.health_path} answered ${res.status}`;
  }

  async reset(): Promise<void> {
    const old = this.agent;
    this.agent = this.newAgent();
    old.destroy();
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
