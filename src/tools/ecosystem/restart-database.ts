import { z } from 'zod';
import { abortable, cancelled, isAbort } from '../../core/cancel.js';
import { ComponentStatus } from '../../core/health/schemas.js';
import { defineTool } from '../define.js';

export const ecosystemRestartDatabase = defineTool({
  name: 'ecosystem_restart_database',
  title: 'Restart the state store and cache connections',
  description:
    'Drop and re-establish the connections to the state store (PostgreSQL or the embedded SQLite file) and ' +
    'the cache (Redis or in-memory) inside the running server, without restarting the process. Calls in ' +
    'flight on the old connections fail with a retryable unavailable error. Use it when the database was ' +
    'restarted or failed over and connections are stuck. Returns the health of state_store and cache after it.',
  role: 'operator',
  scope: 'live',
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: z.strictObject({
    restarted: z.array(z.string()).describe('Connections that were restarted.'),
    components: z.array(ComponentStatus).describe('Health of state_store and cache right after the restart.'),
  }),
  run: async (_i, { core, log, signal }) => {
    const where = await core.restartConnections(signal);
    log.warn(where, 'state store and cache connections restarted');
    const all = await abortable(core.health.components(true), signal).catch((e: unknown) => {
      if (!isAbort(e, signal)) throw e;
      throw cancelled(signal, {
        done: ['state store and cache connections restarted'],
        notDone: ['the health check of state_store and cache after the restart (GET /ready shows it)'],
      });
    });
    return {
      restarted: ['state_store', 'cache'],
      components: all
        .filter((c) => c.name === 'state_store' || c.name === 'cache')
        .map(({ name, status, message }) => ({ name, status, message })),
    };
  },
});
