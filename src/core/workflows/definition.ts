import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AdapterCall, AdapterName, type AdapterStepCall, adapterStepArgv } from '../adapters/step.js';
import { describeIssues } from '../config/zod-issues.js';
import { invalid, notFound } from '../errors.js';

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** A whole argument that is a parameter reference: `{{name}}`. */
const WHOLE_PARAM = /^\{\{\s*([a-z][a-z0-9_]*)\s*\}\}$/;

const Param = z.strictObject({
  type: z.enum(['string', 'integer', 'number', 'boolean']).default('string'),
  description: z.string().default(''),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  enum: z.array(z.string()).optional(),
  pattern: z.string().optional(),
});

const Step = z
  .strictObject({
    name: z.string().min(1).max(64),
    argv: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'The command to run; with `adapter` (a command adapter), arguments added to its run command.',
      ),
    adapter: AdapterName.optional().describe(
      'Call this adapter through its circuit breaker instead of running a command.',
    ),
    call: AdapterCall.optional().describe('The request to an http adapter.'),
    timeout_ms: z.number().int().min(1).optional(),
    retries: z.number().int().min(0).max(20).optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.adapter && !s.argv)
      ctx.addIssue({ code: 'custom', message: 'a step needs argv (a command) or adapter (an adapter call)' });
    if (!s.adapter && s.call)
      ctx.addIssue({
        code: 'custom',
        message: 'call needs adapter: name the http adapter the request goes to',
      });
    if (s.argv && s.call)
      ctx.addIssue({
        code: 'custom',
        message: 'give argv (a command adapter) or call (an http adapter), not both',
      });
  });

export const WorkflowFile = z.strictObject({
  name: z.string().regex(NAME),
  description: z.string().min(1),
  pool: z.string().min(1).default('default'),
  params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), Param).default({}),
  steps: z.array(Step).min(1).max(100),
  cwd: z.string().default('.'),
  env: z.array(z.string()).default(['PATH']),
  set_env: z.record(z.string(), z.string()).default({}),
  timeout_ms: z.number().int().min(1).default(60_000),
  retries: z.number().int().min(0).max(20).default(0),
});
export type WorkflowFile = z.infer<typeof WorkflowFile>;

export interface Workflow extends WorkflowFile {
  file: string;
}

/** One step, with parameters substituted, as it is queued. */
export interface StepPlan {
  name: string;
  argv: string[];
  cwd: string;
  envAllow: string[];
  envSet: Record<string, string>;
  timeoutMs: number;
  maxAttempts: number;
  /** An adapter step: run in the runtime's process through the adapter's breaker, not by a worker. */
  adapter?: AdapterStepCall | undefined;
}

/** The argv a step shows in workflow_list: its command, or what its adapter call does. */
export function stepArgv(s: WorkflowFile['steps'][number]): string[] {
  return s.adapter
    ? adapterStepArgv({
        adapter: s.adapter,
        ...(s.argv ? { args: s.argv } : {}),
        ...(s.call ? { call: s.call } : {}),
      })
    : s.argv!;
}

/** Check the rules the schema cannot: params are whole arguments, and every reference is declared. */
function checkRefs(wf: WorkflowFile, file: string): void {
  for (const step of wf.steps) {
    if (step.call && (step.call.path.includes('{{') || !bodyRefsOk(step.call.body)))
      throw invalid(
        `${file}: step ${step.name}: a param in call goes in a body value of its own ("{{name}}"), not in the path or inside text`,
      );
    for (const ref of bodyRefs(step.call?.body))
      if (!wf.params[ref]) throw invalid(`${file}: step ${step.name} uses undeclared param ${ref}`);
    for (const arg of step.argv ?? []) {
      const m = WHOLE_PARAM.exec(arg);
      if (m) {
        if (!wf.params[m[1]!]) throw invalid(`${file}: step ${step.name} uses undeclared param ${m[1]}`);
      } else if (arg.includes('{{')) {
        throw invalid(
          `${file}: step ${step.name} argument "${arg}" mixes text and a param; a param must be a whole argument ("{{name}}")`,
        );
      }
    }
  }
}

export function parseWorkflow(text: string, file: string): Workflow {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw invalid(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = WorkflowFile.safeParse(doc);
  if (!parsed.success) throw invalid(`${file}: ${describeIssues(WorkflowFile, parsed.error).join('; ')}`);
  checkRefs(parsed.data, file);
  return { ...parsed.data, file };
}

/** Every workflow in the folder, by name; a broken file is an error naming it (files are reviewed). */
export function loadWorkflows(dir: string): Map<string, Workflow> {
  const out = new Map<string, Workflow>();
  const abs = resolve(dir);
  if (!existsSync(abs)) return out;
  for (const f of readdirSync(abs).sort()) {
    if (!/\.ya?ml$/.test(f)) continue;
    const wf = parseWorkflow(readFileSync(resolve(abs, f), 'utf8'), basename(f));
    if (out.has(wf.name))
      throw invalid(`${f}: workflow name ${wf.name} is used by ${out.get(wf.name)!.file} too`);
    out.set(wf.name, wf);
  }
  return out;
}

export function findWorkflow(dir: string, name: string): Workflow {
  const all = loadWorkflows(dir);
  const wf = all.get(name);
  if (!wf) {
    throw notFound(
      `no workflow named ${name} in the workflows folder (workflows.dir); known: ${[...all.keys()].join(', ') || 'none'} (see \`workflow_list\`)`,
    );
  }
  return wf;
}

/** The params named by whole-string body values ("{{name}}"). */
function bodyRefs(body: unknown): string[] {
  if (typeof body === 'string') {
    const m = WHOLE_PARAM.exec(body);
    return m ? [m[1]!] : [];
  }
  if (Array.isArray(body)) return body.flatMap(bodyRefs);
  if (body && typeof body === 'object') return Object.values(body).flatMap(bodyRefs);
  return [];
}

/** Every "{{" in a call sits in a body string that is one whole reference. */
function bodyRefsOk(body: unknown): boolean {
  const strip = (v: unknown): unknown =>
    typeof v === 'string'
      ? WHOLE_PARAM.test(v)
        ? ''
        : v
      : Array.isArray(v)
        ? v.map(strip)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]))
          : v;
  return !JSON.stringify(strip(body) ?? null).includes('{{');
}

/** Replace whole-string references in a body by the param's value (a JSON string, never parsed). */
function substituteBody(body: unknown, params: Record<string, string>): unknown {
  if (typeof body === 'string') {
    const m = WHOLE_PARAM.exec(body);
    return m ? params[m[1]!] : body;
  }
  if (Array.isArray(body)) return body.map((v) => substituteBody(v, params));
  if (body && typeof body === 'object')
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, substituteBody(v, params)]));
  return body;
}

function coerce(name: string, spec: z.infer<typeof Param>, raw: string | number | boolean): string {
  const s = String(raw);
  if (spec.type === 'integer' && !/^-?\d+$/.test(s))
    throw invalid(`param ${name} must be an integer, got "${s}"`);
  if (spec.type === 'number' && !Number.isFinite(Number(s)))
    throw invalid(`param ${name} must be a number, got "${s}"`);
  if (spec.type === 'boolean' && s !== 'true' && s !== 'false')
    throw invalid(`param ${name} must be true or false, got "${s}"`);
  if (spec.enum && !spec.enum.includes(s))
    throw invalid(
      // folder allowlists are listed by workflow list, not in an error body (it names no server path)
      spec.enum.some((v) => v.startsWith('/'))
        ? `param ${name} must be one of its ${spec.enum.length} allowed values, which \`workflow_list\` shows`
        : `param ${name} must be one of ${spec.enum.join(', ')}`,
    );
  if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(s))
    throw invalid(`param ${name} must match /${spec.pattern}/`);
  return s;
}

/** Validate the caller's params and substitute them; a value is always one literal argument. */
export function planSteps(
  wf: Workflow,
  given: Record<string, string>,
): { params: Record<string, string>; steps: StepPlan[] } {
  const unknown = Object.keys(given).filter((k) => !wf.params[k]);
  if (unknown.length) {
    throw invalid(
      `workflow ${wf.name} has no param ${unknown.join(', ')}; its params: ${Object.keys(wf.params).join(', ') || 'none'}`,
    );
  }
  const params: Record<string, string> = {};
  for (const [k, spec] of Object.entries(wf.params)) {
    const raw = given[k] ?? spec.default;
    if (raw === undefined)
      throw invalid(`workflow ${wf.name} needs --param ${k}=VALUE (${spec.description})`);
    params[k] = coerce(k, spec, raw);
  }
  const steps = wf.steps.map((s) => {
    const argv = s.argv?.map((a) => {
      const m = WHOLE_PARAM.exec(a);
      return m ? params[m[1]!]! : a;
    });
    const adapter: AdapterStepCall | undefined = s.adapter
      ? {
          adapter: s.adapter,
          ...(argv ? { args: argv } : {}),
          ...(s.call ? { call: { ...s.call, body: substituteBody(s.call.body, params) } } : {}),
        }
      : undefined;
    return {
      name: s.name,
      argv: adapter ? adapterStepArgv(adapter) : argv!,
      cwd: resolve(wf.cwd),
      envAllow: wf.env,
      envSet: wf.set_env,
      timeoutMs: s.timeout_ms ?? wf.timeout_ms,
      maxAttempts: 1 + (s.retries ?? wf.retries),
      adapter,
    };
  });
  return { params, steps };
}
