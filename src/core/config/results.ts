import { z } from 'zod';

/**
 * What checking and reloading the settings report (the settings themselves are schema.ts). Kept
 * apart from reload.ts and load.ts, which pull in yaml and prom-client and are loaded on use.
 */

export const ReloadResult = z.strictObject({
  applied: z.boolean(),
  changed: z.array(z.string()).describe('Setting paths whose new value is now in force.'),
  restart_required: z
    .array(z.string())
    .describe('Setting paths that changed but keep their running value until a restart.'),
  problems: z.array(z.string()).describe('Why the new settings were refused (empty when applied).'),
  sources: z.array(z.string()).describe('Files read, in order of precedence.'),
});
export type ReloadResult = z.infer<typeof ReloadResult>;

/** What config_reload returns: a refused reload is an invalid_input error listing the problems. */
export const Reloaded = ReloadResult.omit({ problems: true }).extend({ applied: z.literal(true) });

export const SettingsValid = z.strictObject({
  valid: z.literal(true),
  sources: z.array(z.string()).describe('Files read, in order of precedence (last wins).'),
});
