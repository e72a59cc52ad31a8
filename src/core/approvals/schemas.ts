import { z } from 'zod';

/** The approval shapes the page, the CLI and the error data show; the core's types are these. */

export const ApprovalState = z.enum(['pending', 'approved', 'denied', 'used', 'expired']);
export type ApprovalState = z.infer<typeof ApprovalState>;

export const ApprovalId = z
  .string()
  .regex(/^apr_[A-Za-z0-9_-]{16,40}$/, 'an approval id looks like apr_… (from the approval_required error)')
  .describe('The approval_id an approval_required error returned, once a human approved it.');

export const Approval = z.strictObject({
  id: z.string(),
  tool: z.string(),
  input: z.unknown().describe('The arguments the approval is for (secrets redacted).'),
  requester: z.string(),
  requester_role: z.string(),
  transport: z.string(),
  state: ApprovalState,
  plan: z.array(z.string()),
  impact: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  used_at: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;
