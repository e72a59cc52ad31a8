import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { clientSafeError } from '../core/client-safe.js';
import type { Core } from '../core/core.js';
import { AppError, isAppError } from '../core/errors.js';
import { planOf } from '../core/plan.js';
import { type Principal, roleAllows } from '../core/principal.js';
import { approvalGate } from './approval-gate.js';
import { auditRefusal, bounded } from './audit-refusal.js';
import { bootstrapAllowed } from './bootstrap.js';
import type { AnyTool, ClientChannel, Progress, ToolContext } from './define.js';
import { checkInputLimits } from './input-limits.js';
import { CapabilityRequired, InputRequired } from './input-required.js';
import { parseInput } from './parse-input.js';
import { policyBlocks } from './policy.js';

export interface CallOptions {
  core: Core;
  principal: Principal;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
  callId?: string;
  client?: ClientChannel;
}

/**
 * Error texts name tools as MCP and HTTP callers know them (`pool_update`, or a call with its
 * arguments as JSON); the CLI shows the same text with its commands (src/cli/error-text.ts).
 *
 * The only door into the core: policy, role, strict input, run (or plan), output check, and the
 * metrics, log line and audit record of every call. Errors leave as AppError only. The result is
 * typed by the tool's output schema (with the dry-run plan for destructive tools).
 */
export async function invoke<T extends AnyTool>(
  tool: T,
  rawInput: unknown,
  opts: CallOptions,
): Promise<z.output<T['output']>> {
  const { core, principal } = opts;
  const callId = opts.callId ?? randomUUID();
  const started = performance.now();
  let audited = false;
  let input: Record<string, unknown> | undefined;
  let release: (() => void) | undefined;
  const ctx: ToolContext = {
    core,
    principal,
    callId,
    signal: opts.signal ?? new AbortController().signal,
    progress: opts.progress ?? (() => {}),
    log: core.log,
    client: opts.client,
  };
  // read-only calls are audited only when audit.read_calls asks for it
  const audits = !tool.hints.readOnly || core.config.audit.read_calls;
  try {
    const blocked = policyBlocks(tool, core.config.policy);
    if (blocked && !(await bootstrapAllowed(tool, rawInput, principal, core)))
      throw new AppError('forbidden', `tool ${tool.name} is not served: ${blocked}`);
    if (!roleAllows(principal.role, tool.role)) {
      throw new AppError(
        'forbidden',
        `tool ${tool.name} needs role ${tool.role} or higher; ${principal.username} has role ${principal.role}. ` +
          `Use a token of a user with that role (an admin can create one: \`auth_create_user {"username":"NAME","role":"${tool.role}"}\`).`,
      );
    }
    checkInputLimits(rawInput, tool.name);
    input = parseInput(
      tool.input,
      rawInput,
      tool.name,
      `The input schema of \`${tool.name}\` lists every field`,
    ) as Record<string, unknown>;
    await approvalGate(tool, input, ctx);
    if (!tool.hints.readOnly && input.dry_run !== true && tool.maintenance !== 'allowed') {
      // maintenance (a restore in progress) refuses writes and waits for running ones to end
      const refusal = core.maintenance.refusal(tool.name);
      if (refusal) throw refusal;
      release = core.maintenance.track();
    }
    if (audits) {
      try {
        await core.audit.append({
          callId,
          phase: 'begin',
          principal,
          tool: tool.name,
          input: bounded(input),
        });
        audited = true;
      } catch (e) {
        core.log.error({ err: e, tool: tool.name, callId }, 'audit write failed; call refused');
        throw new AppError(
          'unavailable',
          `the audit log cannot be written, so ${tool.name} was not run; check the state store and retry`,
        );
      }
    }
    const result =
      input.dry_run === true && tool.plan
        ? dryRun(planOf(await tool.plan(input, ctx)))
        : await tool.run(input, ctx);
    const out = tool.output.safeParse(result);
    if (!out.success) {
      core.log.error(
        { tool: tool.name, callId, issues: out.error.issues },
        'tool returned output outside its schema',
      );
      throw new Error(`output of ${tool.name} does not match its schema`);
    }
    await finish(opts, tool, callId, started, 'ok', audited, input);
    release?.();
    return out.data as z.output<T['output']>;
  } catch (e) {
    // not a failure: the tool asks its caller for input first, and the face relays it
    if (e instanceof InputRequired || e instanceof CapabilityRequired) {
      await finish(opts, tool, callId, started, 'input_required', audited, input);
      release?.();
      throw e;
    }
    const raw = toAppError(e, callId);
    if (raw.code === 'internal') core.log.error({ err: e, tool: tool.name, callId }, 'internal error');
    // what leaves names no server path, connection URL or stack; the log keeps the original
    const err = clientSafeError(raw);
    if (err !== raw)
      core.log.warn(
        { tool: tool.name, callId, code: raw.code, detail: raw.message },
        'error detail kept from the caller',
      );
    // a call stopped before it ran (policy, role, input, approval, maintenance) leaves a record too
    if (!audited && audits && err.code !== 'approval_required')
      await auditRefusal(core, { callId, principal, tool: tool.name, input: input ?? rawInput, err });
    await finish(opts, tool, callId, started, err.code, audited, input);
    release?.();
    throw err;
  }
}

const dryRun = (p: { steps: string[]; impact?: Record<string, unknown> }) => ({
  dry_run: true,
  plan: p.steps,
  ...(p.impact ? { impact: p.impact } : {}),
});

async function finish(
  opts: CallOptions,
  tool: AnyTool,
  callId: string,
  started: number,
  outcome: string,
  audited: boolean,
  input: unknown,
) {
  const { core, principal } = opts;
  const seconds = (performance.now() - started) / 1000;
  core.metrics.toolCalls.inc({ tool: tool.name, outcome });
  core.metrics.toolDuration.observe({ tool: tool.name }, seconds);
  if (outcome !== 'ok') core.metrics.errors.inc({ source: 'tool', code: outcome });
  core.log.info(
    {
      tool: tool.name,
      callId,
      principal: principal.username,
      transport: principal.transport,
      outcome,
      ms: seconds * 1000,
    },
    'tool call',
  );
  if (audited) {
    await core.audit
      .append({
        callId,
        phase: 'end',
        principal,
        tool: tool.name,
        input: bounded(input),
        outcome: outcome === 'ok' ? 'ok' : 'error',
        ...(outcome === 'ok' ? {} : { errorCode: outcome }),
      })
      .catch((e) => core.log.error({ err: e, callId }, 'audit end record failed'));
  }
}

/** Any failure as the one error type; unexpected ones say only "internal error" and a reference. */
export function toAppError(e: unknown, ref: string): AppError {
  if (isAppError(e)) return e;
  if (e instanceof Error && e.name === 'AbortError') return new AppError('timeout', 'the call was cancelled');
  return new AppError('internal', `internal error (reference ${ref}); the details are in the log`, {
    reference: ref,
  });
}
