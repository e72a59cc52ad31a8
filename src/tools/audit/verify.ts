import { z } from 'zod';
import { AuditVerifyResult } from '../../core/audit/schemas.js';
import { defineTool } from '../define.js';

export const auditVerify = defineTool({
  name: 'audit_verify',
  title: 'Verify the audit log',
  description:
    'Recompute the hash chain of the whole audit log and report whether any record was altered, removed or ' +
    'inserted. Use it after a security incident or before trusting the log. Returns ok, the record count, the ' +
    'head hash, and the first bad record if the chain is broken.',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: AuditVerifyResult,
  run: async (_input, { core }) => core.audit.verify(),
});
