import { z } from 'zod';
import { AdapterStatus } from '../../core/adapters/schemas.js';
import { defineTool } from '../define.js';

export const adapterList = defineTool({
  name: 'adapter_list',
  title: 'List adapters and their circuit breakers',
  description:
    'List the configured adapters (the external engines workflow steps call) with the state of each ' +
    'circuit breaker: closed (calls pass), open (calls fail fast until the cooldown ends), half_open (one ' +
    'trial call in progress). Use it when errors mention an adapter or circuit_breaker_<name> is not ' +
    'healthy. Returns one row per adapter.',
  role: 'viewer',
  scope: 'live',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: z.strictObject({ adapters: z.array(AdapterStatus) }),
  run: (_i, { core }) => ({ adapters: core.adapters.list() }),
});
