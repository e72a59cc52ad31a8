import { z } from 'zod';

/** The disaster recovery shapes the tools take and return; the core's types are these. */

export const DrLevel = z.enum(['exists', 'verify', 'restore']);
export type DrLevel = z.infer<typeof DrLevel>;

export const LevelResult = z.strictObject({
  level: DrLevel,
  ok: z.boolean(),
  message: z.string(),
  seconds: z.number(),
});
export type LevelResult = z.infer<typeof LevelResult>;

export const DrReport = z.strictObject({
  ok: z.boolean(),
  failed: z
    .boolean()
    .describe('True when ok is false, so `mahavishnu dr check` exits 1 for cron and monitors.'),
  backup_id: z.string().nullable().describe('The newest backup, the one checked.'),
  rpo_objective_hours: z.number(),
  measured_rpo_seconds: z
    .number()
    .nullable()
    .describe('Age of the newest backup: the data a disaster now would lose.'),
  measured_restore_seconds: z.number().nullable().describe('How long restoring it took (level restore).'),
  levels: z.array(LevelResult),
});
export type DrReport = z.infer<typeof DrReport>;

export const RecoverStep = z.strictObject({ step: z.string(), ok: z.boolean(), detail: z.string() });
export type RecoverStep = z.infer<typeof RecoverStep>;

export const RecoverReport = z.strictObject({
  ok: z.boolean().describe('Every step passed.'),
  backup_id: z.string(),
  safety_backup: z.string().nullable(),
  steps: z.array(RecoverStep),
});
export type RecoverReport = z.infer<typeof RecoverReport>;
