import { z } from 'zod';
import { AuditEntry } from '../../core/audit/schemas.js';
import { defineTool } from '../define.js';

export const auditList = defineTool({
  name: 'audit_list',
  title: 'Show recent audit records',
  description:
    'List the newest audit records (who called which mutating tool, with what input, and the outcome); ' +
    'secrets in inputs are redacted. Use it to see what changed recently, e.g. during an incident.',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    limit: z.number().int().min(1).max(1000).default(50).describe('How many records, newest first.'),
    tool: z.string().max(64).optional().describe('Only records of this tool (e.g. pool_scale).'),
    principal: z.string().max(128).optional().describe('Only records of this user (e.g. alice, cli:root).'),
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Only records at or after this ISO 8601 time.'),
    until: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Only records at or before this ISO 8601 time.'),
  }),
  output: z.strictObject({
    records: z.array(AuditEntry),
  }),
  run: async (input, { core }) => ({ records: await core.audit.list(input) }),
});
