import { z } from 'zod';
import { AdapterName } from '../../core/adapters/adapter.js';
import { RestartResult } from '../../core/adapters/schemas.js';
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
  long: true,
  scope: 'live',
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: true },
  input: z.strictObject({ name: AdapterName }),
  output: RestartResult,
  cli: { positional: ['name'] },
  run: ({ name }, { core, signal }) => core.adapters.restart(name, signal),
});
