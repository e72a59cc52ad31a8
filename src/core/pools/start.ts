import { type AdapterStepCall, runAdapterStep } from '../adapters/step.js';
import type { Core } from '../core.js';
import { PoolRuntime } from './runtime.js';

/**
 * Start the pool runtime of a long-running process (serve, or `worker --pool NAME` for one
 * pool): workers to the pools' desired sizes, `pool_<name>` health components, stop at close.
 */
export async function startPools(core: Core, only?: string): Promise<PoolRuntime> {
  const runtime = new PoolRuntime({
    pools: core.pools.store,
    queue: core.pools.queue,
    slots: core.pools.slots,
    metrics: core.poolMetrics,
    log: core.log.child({ component: 'pools' }),
    config: () => core.config,
    activeRuns: () => core.workflows.runs.activeRuns(),
    countSteps: (id, state) => core.workflows.runs.countSteps(id, state),
    activeSteps: (id) => core.workflows.runs.activeSteps(id),
    only,
    paused: () => core.maintenance.active !== undefined,
    adapterStep: (step, signal) =>
      runAdapterStep(
        core.adapters,
        JSON.parse(step.adapter_call!) as AdapterStepCall,
        step.timeout_ms,
        signal,
      ),
  });
  core.pools.runtime = runtime;
  // a restore ended: pick up where the pause left off without waiting for the next pass
  core.maintenance.onChange((m) => {
    if (!m) void runtime.tick();
  });
  // a restore with cancel_running flagged the running steps: kill ours now (recorded cancelled)
  core.maintenance.onCancelRequested(async () =>
    runtime.cancelSteps(await core.pools.queue.cancelRequested(runtime.owner)),
  );
  const registered = new Set<string>();
  runtime.on('pass', () => {
    const names = new Set([...runtime.live.values()].map((lp) => lp.row.name));
    for (const name of names) {
      if (registered.has(name)) continue;
      registered.add(name);
      core.health.register({
        name: `pool_${name}`,
        critical: false,
        check: async () =>
          core.pools.healthOf(name) ?? {
            status: 'healthy',
            message: 'no workers of this pool in this process',
          },
      });
    }
    for (const name of registered)
      if (!names.has(name)) {
        registered.delete(name);
        core.health.unregister(`pool_${name}`);
      }
  });
  core.onClose(async () => {
    await runtime.stop(core.config.pools.drain_timeout_ms);
    core.pools.runtime = undefined;
  });
  await runtime.start();
  return runtime;
}
