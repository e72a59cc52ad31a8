import { openCore } from '../compose/open-core.js';
import { startServices } from '../compose/start-services.js';
import { reloadSettings } from '../core/config/reload.js';
import { shutdownPlan } from '../core/config/shutdown.js';
import type { Core } from '../core/core.js';
import { type ServerOptions, startServer } from '../http/server.js';
import { tasksOf } from '../tools/tasks.js';
import { type Globals, loadOpts } from './globals.js';

/** SIGHUP: reload the settings whole or not at all (reloadSettings logs what it applied or refused). */
function reload(core: Core): void {
  reloadSettings(core).catch((e) =>
    core.log.error({ err: e }, 'SIGHUP: settings reload failed; the previous settings stay in force'),
  );
}

/**
 * `mahavishnu serve`; the flags are declared, parsed and checked in builtins.ts. `extra` is for
 * test entries only (test/fixtures/serve-with-fixtures.mjs injects the fixtures).
 */
export async function runServe(
  flags: { host?: string; port?: number },
  g: Globals,
  extra: Pick<ServerOptions, 'tools' | 'mcpExtra'> = {},
): Promise<number> {
  const opts = { ...extra, ...flags };
  const core = await openCore(loadOpts(g));
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    await startServices(core);
    server = await startServer(core, opts);
  } catch (e) {
    await core.close();
    throw e;
  }
  process.stderr.write(`mahavishnu ${core.version} listening on ${server.url}\n`);
  core.log.info({ url: server.url, host: server.host, port: server.port }, 'listening');

  let signals = 0;
  const done = new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        core.log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      const plan = shutdownPlan(core.config);
      process.stderr.write(
        `mahavishnu: ${signal}: draining (${server.inFlight()} requests in flight; shutdown budget ${plan.budgetMs} ms); send it again to exit at once\n`,
      );
      core.log.info({ signal, inFlight: server.inFlight(), ...plan }, 'shutting down: draining');
      // HTTP and the pools drain side by side, both inside the budget; steps still running at the
      // end go back to the queue (attempt not counted), then the stores close
      const pools = core.pools.runtime?.stop(plan.drainMs);
      // tasks (long tool calls that outlive their connection) get the same window, then are
      // aborted and recorded failed with the reason
      const tasks = tasksOf(core).drain(plan.drainMs);
      void server
        .shutdown(plan.drainMs, plan.unreadyMs)
        .then(async ({ drained, abandoned }) => {
          if (!drained) core.log.warn({ abandoned }, 'drain timeout: calls still in flight were cut');
          await pools;
          await tasks;
          return core.close();
        })
        .then(() => resolve(0))
        .catch((e) => {
          core.log.error({ err: e }, 'error while shutting down');
          resolve(1);
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => reload(core));
  });
  const code = await done;
  // a handle some library left open must not keep a stopped server alive
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
