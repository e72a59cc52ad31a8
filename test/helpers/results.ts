import type { DryRunPlan } from '../../src/tools/define.js';

const isPlan = (out: unknown): out is DryRunPlan =>
  typeof out === 'object' && out !== null && (out as { dry_run?: unknown }).dry_run === true;

/** A destructive tool's result from a call that was not a dry run (its type also admits the plan). */
export function done<T>(out: T | DryRunPlan): T {
  if (isPlan(out))
    throw new Error(`expected the result of the call, got a dry-run plan: ${out.plan.join('; ')}`);
  return out;
}

/** The plan a `dry_run: true` call returned. */
export function planOf(out: unknown): string[] {
  if (!isPlan(out)) throw new Error(`expected a dry-run plan, got ${JSON.stringify(out)}`);
  return out.plan;
}
