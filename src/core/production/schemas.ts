import { z } from 'zod';

/** The pre-deployment checklist's shapes; the core's types are these. */

export const CheckStatus = z.enum(['pass', 'warn', 'fail']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const CheckResult = z.strictObject({
  name: z.string(),
  status: CheckStatus,
  reason: z.string().describe('Why, and what to do when not pass.'),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const ProductionReport = z.strictObject({
  failed: z.boolean().describe('True when at least one check failed: do not deploy.'),
  summary: z.string().describe('Counts of pass, warn and fail.'),
  checks: z.array(CheckResult),
});
export type ProductionReport = z.infer<typeof ProductionReport>;
