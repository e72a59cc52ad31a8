import { z } from 'zod';
import { invalid } from '../errors.js';
import { AdapterName, type AdapterSpec } from './adapter.js';
import type { Adapters } from './adapters.js';

export { AdapterName };

/** The request an http adapter step sends (workflow files: `call:`). */
export const AdapterCall = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  path: z.string().startsWith('/').default('/').describe('Path under the adapter base_url.'),
  body: z.unknown().optional().describe('JSON body; a string value "{{param}}" is replaced by the param.'),
  expect_status: z
    .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
    .optional()
    .describe('The status(es) that mean success; default any 2xx.'),
});
export type AdapterCall = z.output<typeof AdapterCall>;

/** What a queued adapter step carries (stored as JSON in workflow_steps.adapter_call). */
export interface AdapterStepCall {
  adapter: string;
  /** Command adapters: arguments added to the adapter's run command. */
  args?: string[];
  /** Http adapters: the request. */
  call?: AdapterCall;
}

/** The argv an adapter step shows in workflow status and logs (it is never executed). */
export const adapterStepArgv = (c: AdapterStepCall): string[] => [
  'adapter',
  c.adapter,
  ...(c.call ? [c.call.method, c.call.path] : (c.args ?? [])),
];

/** Refuse a run whose adapter steps name an adapter that is not configured, or the wrong kind of request. */
export function checkAdapterSteps(
  steps: Array<{ name: string; adapter?: AdapterStepCall | undefined }>,
  specs: Record<string, AdapterSpec>,
): void {
  for (const { name, adapter: c } of steps) {
    if (!c) continue;
    const spec = specs[c.adapter];
    if (!spec)
      throw invalid(
        `step ${name} calls adapter ${c.adapter}, which is not configured; configured: ${Object.keys(specs).join(', ') || 'none'} (settings group adapters)`,
      );
    if (spec.type === 'http' && c.args)
      throw invalid(
        `step ${name}: adapter ${c.adapter} is an http adapter; give call (method, path, body), not argv`,
      );
    if (spec.type === 'command' && !spec.run)
      throw invalid(
        `step ${name}: command adapter ${c.adapter} has no run command; set adapters.${c.adapter}.run in the settings`,
      );
  }
}

export interface StepResult {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

const MAX_BODY = 4000;
const show = (body: unknown) => {
  const s = typeof body === 'string' ? body : JSON.stringify(body);
  return s.length > MAX_BODY ? `${s.slice(0, MAX_BODY)}…` : s;
};

/**
 * Run one adapter step through `Adapters.call`, so the breaker of this process sees the traffic
 * and refuses it while open. The step's timeout bounds the call; success is a status in
 * expect_status (default 2xx) for http adapters, exit 0 for command adapters. A refusal or a
 * failure is a failed attempt: the queue retries it as it retries a command that exits non-zero.
 */
export async function runAdapterStep(
  adapters: Adapters,
  c: AdapterStepCall,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StepResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  const what = c.call ? `${c.call.method} ${c.call.path}` : `run ${(c.args ?? []).join(' ')}`.trim();
  try {
    const res = await adapters.call(
      c.adapter,
      c.call ? { method: c.call.method, path: c.call.path, body: c.call.body } : { args: c.args ?? [] },
      both,
    );
    const expect = c.call?.expect_status;
    const ok =
      expect === undefined
        ? !c.call || (res.status >= 200 && res.status < 300)
        : (Array.isArray(expect) ? expect : [expect]).includes(res.status);
    const line = `adapter ${c.adapter}: ${what} → ${c.call ? `HTTP ${res.status}` : 'exit 0'}`;
    return {
      exitCode: ok ? 0 : 1,
      timedOut: false,
      output: `${line}${ok ? '' : ` (expected ${expect ?? '2xx'})`}\n${show(res.body ?? '')}\n`,
    };
  } catch (e) {
    const timedOut = timeout.aborted && !signal.aborted;
    const why = timedOut ? `no result within the step timeout of ${timeoutMs} ms` : (e as Error).message;
    return {
      exitCode: timedOut ? null : 1,
      timedOut,
      output: `adapter ${c.adapter}: ${what} failed: ${why}\n`,
    };
  }
}
