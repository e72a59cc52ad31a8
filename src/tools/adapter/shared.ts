import { z } from 'zod';

export const AdapterStatusOut = z.strictObject({
  name: z.string().describe('Adapter name (settings group adapters).'),
  type: z.enum(['http', 'command']),
  target: z.string().describe('Base URL (http) or health command (command).'),
  state: z.enum(['closed', 'open', 'half_open']).describe('Circuit breaker state.'),
  held: z.boolean().describe('Held open by an adapter restart until its health probe passes.'),
  cooldown_s: z.number().describe('Seconds an open breaker waits before one trial call.'),
  cooldown_remaining_ms: z.number().describe('Milliseconds until the trial call is allowed (0 unless open).'),
  last_failure: z.string().nullable().describe('Why the last call or probe failed, if it did.'),
});
