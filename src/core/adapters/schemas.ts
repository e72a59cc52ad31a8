import { z } from 'zod';

/** The adapter shapes the tools return; the core's types are these. */

export const BreakerState = z.enum(['closed', 'open', 'half_open']);
export type BreakerState = z.infer<typeof BreakerState>;

export const AdapterStatus = z.strictObject({
  name: z.string().describe('Adapter name (settings group adapters).'),
  type: z.enum(['http', 'command']),
  target: z.string().describe('Base URL (http) or health command (command).'),
  state: BreakerState.describe('Circuit breaker state.'),
  held: z.boolean().describe('Held open by an adapter restart until its health probe passes.'),
  cooldown_s: z.number().describe('Seconds an open breaker waits before one trial call.'),
  cooldown_remaining_ms: z
    .number()
    .describe(
      'Milliseconds until the next trial (a call, or the health probe of a held breaker); 0 unless open.',
    ),
  next_trial_at: z
    .string()
    .nullable()
    .describe('When the next trial is due (ISO time); null unless open. Held: the next health probe.'),
  last_failure: z.string().nullable().describe('Why the last call or probe failed, if it did.'),
});
export type AdapterStatus = z.infer<typeof AdapterStatus>;

export const RestartResult = z.strictObject({
  adapter: z.string(),
  probe: z.strictObject({
    ok: z.boolean().describe('Whether the health probe passed.'),
    message: z.string().describe('What the probe saw.'),
  }),
  state: BreakerState.describe('Breaker state after the restart.'),
  closed: z.boolean().describe('True when the breaker was closed (calls pass again).'),
});
export type RestartResult = z.infer<typeof RestartResult>;

export const ProbeResult = z.strictObject({
  adapter: z.string(),
  ok: z.boolean().describe('Whether the health probe passed.'),
  message: z.string().describe('What the probe saw.'),
  duration_ms: z.number().describe('How long the probe took.'),
  breaker: AdapterStatus.describe('The breaker as it is (the probe does not change it).'),
});
export type ProbeResult = z.infer<typeof ProbeResult>;
