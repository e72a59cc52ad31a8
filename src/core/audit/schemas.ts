import { z } from 'zod';

/** The audit shapes the tools return; the core's types are these. */

/**
 * begin/end bracket a call that ran; refused is a call stopped before it ran (role, policy, input,
 * approval); the approval_* phases are the life of a human approval (docs/approvals.md).
 */
export const AuditPhase = z.enum([
  'begin',
  'end',
  'refused',
  'approval_requested',
  'approved',
  'denied',
  'approval_used',
]);
export type AuditPhase = z.infer<typeof AuditPhase>;

export const AuditEntry = z.strictObject({
  seq: z.number().int(),
  ts: z.string(),
  call_id: z.string(),
  phase: AuditPhase,
  principal: z.string(),
  role: z.string(),
  transport: z.string(),
  token_id: z.string().nullable().describe('The jti of the bearer token that made the call, if any.'),
  tool: z.string(),
  input: z.unknown(),
  outcome: z.string().nullable(),
  error_code: z.string().nullable(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditVerifyResult = z.strictObject({
  ok: z.boolean(),
  records: z.number().int(),
  head: z.string().nullable().describe('Hash of the newest record.'),
  first_bad_seq: z.number().int().nullable(),
  reason: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;
