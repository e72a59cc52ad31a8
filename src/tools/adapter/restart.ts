import { z } from 'zod';
import { AdapterName } from '../../core/adapters/adapter.js';
import { defineTool } from '../define.js';

export const adapterRestart = defineTool({
  name: 'adapter_restart',
  title: 'Restart an adapter',
  description:
    "Restart one adapter's connections: hold its circuit breaker open (calls fail fast with a retryable " +
    'unavailable), drop and rebuild its connections, probe its health, and close the breaker only when the ' +
    'probe passes. If the probe fails the breaker stays held and the probe is retried every cooldown. Use ' +
    'it when a breaker is open and the adapter is back, or its connections are stuck. Returns the probe ' +
    'result and the breaker state after it.',
  role: 'operator',
  scope: 'live',
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: true },
  input: z.strictObject({ name: AdapterName }),
  output: z.strictObject({
    adapter: z.string(),
    probe: z.strictObject({
      ok: z.boolean().describe('Whether the health probe passed.'),
      message: z.string().describe('What the probe saw.'),
    }),
    state: z.enum(['closed', 'open', 'half_open']).describe('Breaker state after the restart.'),
    closed: z.boolean().describe('True when the breaker was closed (calls pass again).'),
  }),
  cli: { positional: ['name'] },
  run: ({ name }, { core, signal }) => core.adapters.restart(name, signal),
});
