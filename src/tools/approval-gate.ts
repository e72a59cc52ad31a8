import { AppError } from '../core/errors.js';
import { canonical, fingerprintOf, type Plan, planOf, sha256 } from '../core/plan.js';
import { redact } from '../core/redact.js';
import { elicitDecision } from './approval-elicit.js';
import type { AnyTool, ToolContext } from './define.js';

/** The arguments an approval is bound to: the input without the call's own switches. */
export const argsOf = (input: Record<string, unknown>) => {
  const { dry_run: _d, approval_id: _a, ...args } = input;
  return args;
};

/** Whether approvals.* makes this call wait for a human (destructive tools over MCP and the API). */
export function needsApproval(tool: AnyTool, ctx: ToolContext): boolean {
  const a = ctx.core.config.approvals;
  if (!a.enabled || !tool.hints.destructive || !tool.plan) return false;
  if (!(a.transports as readonly string[]).includes(ctx.principal.transport)) return false;
  return a.tools.length === 0 || a.tools.some((n) => n === tool.name || n === tool.name.split('_')[0]);
}

export async function planFor(
  tool: AnyTool,
  input: Record<string, unknown>,
  ctx: ToolContext,
): Promise<Plan> {
  return planOf(await tool.plan!(input, ctx));
}

/**
 * The approval gate, after input parsing and before anything runs. A call that needs approval and
 * carries none computes its plan, records a pending approval and fails with approval_required
 * (the id, the page's URL, the expiry and the plan in its data); the repeated call with
 * approval_id runs only if a human approved exactly this: same tool, arguments, requester and the
 * state the plan saw (its fingerprint), once. Dry runs pass: they change nothing.
 */
export async function approvalGate(tool: AnyTool, input: Record<string, unknown>, ctx: ToolContext) {
  if (input.dry_run === true || !needsApproval(tool, ctx)) return;
  const { core, principal, callId } = ctx;
  const plan = await planFor(tool, input, ctx);
  const args = argsOf(input);
  const binding = {
    tool: tool.name,
    argsHash: sha256(canonical(args)),
    fingerprint: fingerprintOf(plan),
    principal,
  };
  const id = typeof input.approval_id === 'string' ? input.approval_id : undefined;
  if (id) {
    const used = await core.approvals.consume(id, binding, callId);
    if (used !== 'pending') return;
    const a = await core.approvals.get(id);
    throw required(a.id, core.approvals.urlOf(a.id), a.expires_at, plan, 'is still waiting for a decision');
  }
  const a = await core.approvals.request({ ...binding, input: redact(args), plan, callId });
  const url = core.approvals.urlOf(a.id);
  // a client that can open URLs shows its person the page, and the call waits for the decision
  if (await elicitDecision(a, url, ctx)) {
    // the approval holds for the state as it is now, which may have moved while the plan was read
    const now = fingerprintOf(await planFor(tool, input, ctx));
    if ((await core.approvals.consume(a.id, { ...binding, fingerprint: now }, callId)) !== 'pending') return;
  }
  throw required(a.id, url, a.expires_at, plan, 'was requested');
}

const required = (id: string, url: string, expires: string, plan: Plan, what: string) =>
  new AppError(
    'approval_required',
    `this call needs a human approval, and approval ${id} ${what}; nothing was done. A person signs in at ` +
      `${url} (or runs \`mahavishnu approve ${id}\` on the host), then repeat the same call with ` +
      `approval_id: "${id}" before ${expires}`,
    {
      approval_id: id,
      approve_url: url,
      expires_at: expires,
      plan: plan.steps,
      ...(plan.impact ? { impact: plan.impact } : {}),
    },
  );
