import { z } from 'zod';
import { AdapterName } from '../../core/adapters/adapter.js';
import { ProbeResult } from '../../core/adapters/schemas.js';
import { defineTool } from '../define.js';

export const adapterProbe = defineTool({
  name: 'adapter_probe',
  title: 'Probe an adapter',
  description:
    "Run one adapter's health probe now (GET its health_path for http adapters, its health command for " +
    'command adapters) without touching its circuit breaker: no state change, no failure recorded. Use it ' +
    'during an incident to see whether the adapter behind an open breaker is back before calling ' +
    'adapter_restart. Returns whether the probe passed, what it saw, how long it took, and the breaker as it is.',
  role: 'viewer',
  scope: 'live',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
  input: z.strictObject({ name: AdapterName }),
  output: ProbeResult,
  cli: { positional: ['name'] },
  run: ({ name }, { core, signal }) => core.adapters.check(name, signal),
});
