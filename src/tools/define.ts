import { z } from 'zod';
import { ApprovalId } from '../core/approvals/schemas.js';
import type { Core } from '../core/core.js';
import type { Logger } from '../core/log.js';
import type { Plan } from '../core/plan.js';
import type { Principal, Role } from '../core/principal.js';

export interface ToolHints {
  readOnly: boolean;
  destructive: boolean;
  idempotent: boolean;
  openWorld: boolean;
}

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

/** An MCP content block (text, image, audio, embedded resource), for tools that show more than JSON. */
export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image' | 'audio'; data: string; mimeType: string }
  | { type: 'resource'; resource: { uri: string; mimeType?: string; text?: string; blob?: string } };

/**
 * The caller's side of the conversation, when the face has one (MCP): log messages to it, and ask
 * it things (sampling/createMessage, elicitation/create). Absent on the CLI and the action API.
 */
export interface ClientChannel {
  log(level: 'debug' | 'info' | 'notice' | 'warning' | 'error', data: unknown): Promise<void>;
  request(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * Close this call's response stream and let the client reconnect for the rest (SSE polling);
   * absent where the transport cannot resume a stream. Messages sent meanwhile are replayed.
   */
  closeStream?: () => void;
  /** Answers of a repeated call to the input a tool asked for (throwing InputRequired), by key. */
  inputResponses?: Record<string, unknown>;
  /** The state a tool passed with InputRequired, back with the repeated call. */
  requestState?: string;
  /** Whether the client declared a capability (elicitation, sampling, roots): ask only for those. */
  declares?: (capability: 'elicitation' | 'sampling' | 'roots') => boolean;
  /** The client declared URL-mode elicitation (elicitation.url): it can open a URL for its user. */
  elicitsUrl?: boolean;
  /** Send a notification to the client (e.g. notifications/elicitation/complete). */
  notify?: (method: string, params: Record<string, unknown>) => Promise<void>;
}

export interface ToolContext {
  core: Core;
  principal: Principal;
  callId: string;
  /** Aborted when the caller cancels (MCP cancellation, CLI Ctrl-C, HTTP client gone). */
  signal: AbortSignal;
  /** Report progress of long work (MCP progress notifications, a CLI progress line). */
  progress: (p: Progress) => void;
  log: Logger;
  client?: ClientChannel | undefined;
}

/** What a destructive tool returns for `dry_run: true`: the steps it would take, nothing done. */
export const DryRunPlan = z.strictObject({
  dry_run: z.literal(true),
  plan: z.array(z.string()).describe('The steps the call would take, in order.'),
  impact: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('What would change, in numbers and names, computed from live state.'),
});
export type DryRunPlan = z.infer<typeof DryRunPlan>;

/**
 * Where the CLI runs the tool when no --server is given: `store` tools run in-process against
 * the state store (bootstrap and offline recovery); `live` tools act on the running server's
 * processes and always go to it.
 */
export type Scope = 'store' | 'live';

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodType> {
  name: string;
  title: string;
  description: string;
  role: Role;
  hints: ToolHints;
  input: I;
  output: O;
  scope?: Scope;
  /**
   * 'allowed' for the tools maintenance is for (a restore, a recovery): they run while it is
   * active and are not waited for when it starts. Every other state-changing tool is refused then.
   */
  maintenance?: 'allowed' | 'refused';
  /**
   * May run past a few seconds: MCP clients can call it as a durable task (its status and result
   * outlive the connection), and it reports progress and honours ctx.signal within a second.
   */
  long?: boolean;
  /**
   * Talks to the MCP client while it runs (log messages, sampling, elicitation, closing its
   * stream): over Streamable HTTP its calls are always answered on a stream. A tool that only
   * returns a result (most) is answered with one JSON body when its caller asks for nothing more.
   */
  usesClient?: boolean;
  cli?: {
    /** Command words, when not `<noun> <verb>` from the name (e.g. ['validate-production']). */
    path?: string[];
    /** Input fields taken as positional arguments, in order (e.g. ['pool']). */
    positional?: string[];
  };
  run: (input: z.output<I>, ctx: ToolContext) => Promise<z.input<O>> | z.input<O>;
  /**
   * Required for destructive tools: what `dry_run: true` reports and an approval shows, computed
   * from live state without changing anything (steps, or a Plan with impact and basis).
   */
  plan?: (input: z.output<I>, ctx: ToolContext) => Promise<string[] | Plan> | string[] | Plan;
  /** How MCP shows the result, when a JSON text block is not enough (default: the JSON). */
  content?: (output: z.output<O>) => ContentBlock[];
}

/**
 * The input a destructive tool takes: its own fields plus `dry_run` and `approval_id` (the
 * repeated call after a human approved it). Refinements are kept.
 */
const withDryRun = <I extends z.ZodObject>(input: I) =>
  input.safeExtend({
    dry_run: z
      .boolean()
      .default(false)
      .describe('Return the plan of what the call would do, without doing it.'),
    approval_id: ApprovalId.optional(),
  });
type WithDryRun<I extends z.ZodObject> = ReturnType<typeof withDryRun<I>>;
type OrPlan<O extends z.ZodType> = z.ZodUnion<[O, typeof DryRunPlan]>;

/**
 * A declared tool. `I` is the input as the caller sends it (strict, with `dry_run` for destructive
 * tools) and `O` the output as `invoke` returns it (or a dry-run plan, for destructive tools), so a
 * call through `invoke` is typed by the tool's own schemas.
 */
export interface Tool<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  role: Role;
  hints: ToolHints;
  scope: Scope;
  maintenance: 'allowed' | 'refused';
  long: boolean;
  usesClient: boolean;
  input: I;
  output: O;
  cliPath: string[];
  positional: string[];
  run: (input: Record<string, unknown>, ctx: ToolContext) => Promise<unknown>;
  plan?: (input: Record<string, unknown>, ctx: ToolContext) => Promise<string[] | Plan>;
  content?: (output: unknown) => ContentBlock[];
}

/** Any tool, as lists of tools (TOOLS, the faces) hold them. */
export type AnyTool = Tool;

export const TOOL_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;

/** Declare a runbook action once; the MCP tool, CLI command and HTTP route are generated from it. */
export function defineTool<I extends z.ZodObject, O extends z.ZodType, const H extends ToolHints>(
  spec: ToolSpec<I, O> & { hints: H },
): H['destructive'] extends true ? Tool<WithDryRun<I>, OrPlan<O>> : Tool<I, O> {
  if (!TOOL_NAME.test(spec.name) || spec.name.length > 64) {
    throw new Error(
      `tool name ${spec.name} must be <noun>_<verb> in lower snake case, at most 64 characters`,
    );
  }
  if (spec.hints.destructive && !spec.plan) throw new Error(`destructive tool ${spec.name} needs a plan()`);
  if (spec.hints.readOnly && spec.hints.destructive)
    throw new Error(`${spec.name}: read-only cannot be destructive`);
  const input = spec.hints.destructive ? withDryRun(spec.input) : spec.input;
  const output = spec.hints.destructive ? z.union([spec.output, DryRunPlan]) : spec.output;
  const [noun, ...verb] = spec.name.split('_');
  const tool: Tool = {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    role: spec.role,
    hints: spec.hints,
    scope: spec.scope ?? 'store',
    maintenance: spec.maintenance ?? 'refused',
    long: spec.long ?? false,
    usesClient: spec.usesClient ?? false,
    input,
    output,
    cliPath: spec.cli?.path ?? [noun!, verb.join('-')],
    positional: spec.cli?.positional ?? [],
    run: async (i, ctx) => spec.run(i as z.output<I>, ctx),
    plan: spec.plan && (async (i, ctx) => spec.plan!(i as z.output<I>, ctx)),
    ...(spec.content ? { content: (o: unknown) => spec.content!(o as z.output<O>) } : {}),
  };
  // the conditional return type is what callers see; the value is built the same either way
  return tool as H['destructive'] extends true ? Tool<WithDryRun<I>, OrPlan<O>> : Tool<I, O>;
}
