import { z } from 'zod';

const Common = {
  timeout_ms: z.number().int().min(1).default(5000).describe('Longest time one call or probe may take.'),
  cooldown_s: z
    .number()
    .positive()
    .default(60)
    .describe('How long the open breaker refuses calls before letting one trial call through.'),
  failure_threshold: z
    .number()
    .int()
    .min(1)
    .default(5)
    .describe('Consecutive failures that open the breaker.'),
};

export const HttpAdapterSpec = z.strictObject({
  type: z.literal('http'),
  base_url: z.string().url().describe('Where the adapter listens, e.g. http://127.0.0.1:8000.'),
  health_path: z.string().default('/health').describe('Path probed by adapter restart; 2xx is healthy.'),
  ...Common,
});

export const CommandAdapterSpec = z.strictObject({
  type: z.literal('command'),
  health: z.array(z.string()).min(1).describe('Health command argv; exit 0 is healthy.'),
  run: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Command argv run for each call: the request body as JSON on stdin, the reply on stdout.'),
  ...Common,
});

export const AdapterSpec = z.discriminatedUnion('type', [HttpAdapterSpec, CommandAdapterSpec]);
export type AdapterSpec = z.infer<typeof AdapterSpec>;

/** The default adapter: the local engine, healthy while `true` runs. Point it at your own. */
export const DEFAULT_MAIN: AdapterSpec = {
  type: 'command',
  health: ['true'],
  timeout_ms: 5000,
  cooldown_s: 60,
  failure_threshold: 5,
};

export const AdapterName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,40}$/, 'adapter names are lower case letters, digits and _')
  .describe('Adapter name as configured under `adapters:` (e.g. main, llamaindex).');

export const AdapterRequest = z.strictObject({
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
    .default('POST')
    .describe('HTTP method (http adapters).'),
  path: z.string().default('/').describe('Path under the adapter base_url (http adapters).'),
  body: z.unknown().optional().describe('JSON body (http) or stdin document (command).'),
  args: z.array(z.string()).default([]).describe('Arguments added to the run command (command adapters).'),
});
export type AdapterRequest = z.input<typeof AdapterRequest>;

export interface AdapterResponse {
  /** HTTP status, or the command's exit code. */
  status: number;
  body: unknown;
}

/** The reason a call or probe failed in a way that counts against the breaker. */
export class AdapterFailure extends Error {
  override name = 'AdapterFailure';
}

/**
 * The port an adapter implementation fills (src/infra/adapter-clients/): one call, one probe, and a way
 * to drop every pooled connection. A failure the breaker must count rejects with AdapterFailure
 * (unreachable, timed out, 5xx, non-zero exit); a 4xx reply resolves, since it is the caller's fault.
 */
export interface AdapterClient {
  call(req: z.output<typeof AdapterRequest>, signal: AbortSignal): Promise<AdapterResponse>;
  probe(signal: AbortSignal): Promise<string>;
  /** Drop every connection; the next call opens fresh ones. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export type AdapterConnector = (name: string, spec: AdapterSpec) => AdapterClient;
