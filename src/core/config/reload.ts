import { cancelled } from '../cancel.js';
import type { Core } from '../core.js';
import { Gauge } from '../prom.js';
import { type Loaded, tryLoadConfig } from './load.js';
import type { ReloadResult } from './results.js';
import type { Config } from './schema.js';

/**
 * Settings read only when the process starts (listeners, connections, the data directory). A
 * reload keeps their running values and reports them as needing a restart, rather than showing
 * a value that is not in force. Keys not listed here take effect on the next call that reads them.
 */
export const RESTART_ONLY = [
  'server.host',
  'server.port',
  'server.body_limit_bytes',
  'server.request_timeout_ms',
  'server.headers_timeout_ms',
  'server.keep_alive_timeout_ms',
  // the metrics listener is opened at start, and the main port's /metrics route chosen then
  'server.metrics_host',
  'server.metrics_port',
  'data.dir',
  'database',
  'cache',
  'mcp.stdio_principal',
];

interface ReloadMetrics {
  ok: Gauge;
  at: Gauge;
  queue: Promise<unknown>;
}
const perCore = new WeakMap<Core, ReloadMetrics>();

/** The reload gauges of a core (created with it, so they are scraped before any reload). */
export function reloadMetrics(core: Core): ReloadMetrics {
  let m = perCore.get(core);
  if (!m) {
    const registers = [core.metrics.registry];
    m = {
      ok: new Gauge({
        name: 'mahavishnu_config_last_reload_successful',
        help: 'Whether the last settings reload was applied (1) or refused (0).',
        registers,
      }),
      at: new Gauge({
        name: 'mahavishnu_config_last_reload_success_timestamp_seconds',
        help: 'When settings were last loaded successfully (start or reload), Unix seconds.',
        registers,
      }),
      queue: Promise.resolve(),
    };
    m.ok.set(1);
    m.at.set(core.startedAt / 1000);
    perCore.set(core, m);
  }
  return m;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf paths whose values differ (a changed array or map of adapters counts as one path). */
function diff(a: unknown, b: unknown, path: string, out: string[]): string[] {
  if (isTree(a) && isTree(b) && path.split('.').length < 2) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      diff(a[k], b[k], path ? `${path}.${k}` : k, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
  return out;
}

const restartOnly = (path: string) => RESTART_ONLY.some((r) => path === r || path.startsWith(`${r}.`));

/** Copy the running value of `path` into `next` (both are whole settings trees). */
function keep(next: Tree, prev: Tree, path: string) {
  const keys = path.split('.');
  let n = next;
  let p = prev;
  for (const k of keys.slice(0, -1)) {
    n = n[k] as Tree;
    p = p[k] as Tree;
  }
  const last = keys.at(-1)!;
  n[last] = structuredClone(p[last]);
}

/**
 * Read the settings again and apply them whole, or not at all: every file is parsed and the
 * result validated before anything changes; on any problem the running settings stay and the
 * problems are returned. Called by `config reload` and on SIGHUP. Reloads run one at a time.
 */
export function reloadSettings(core: Core, signal?: AbortSignal): Promise<ReloadResult> {
  const m = reloadMetrics(core);
  const run = m.queue.then(() => {
    // cancelled while waiting its turn: nothing read, nothing applied
    if (signal?.aborted)
      throw cancelled(signal, {
        done: [],
        notDone: ['the reload: the running settings stay in force (nothing was read or applied)'],
      });
    return reloadNow(core, m);
  });
  m.queue = run.catch(() => undefined);
  return run;
}

function reloadNow(core: Core, m: ReloadMetrics): ReloadResult {
  const { loaded, problems } = tryLoadConfig({ dir: core.settings.dir });
  if (!loaded) {
    m.ok.set(0);
    core.log.error({ problems }, 'settings reload refused; the running settings stay in force');
    return { applied: false, changed: [], restart_required: [], problems, sources: [] };
  }
  const prev = core.config;
  const next = structuredClone(loaded.config) as Config;
  const paths = diff(prev, next, '', []);
  const restart_required = paths.filter(restartOnly);
  for (const p of restart_required) keep(next as unknown as Tree, prev as unknown as Tree, p);
  const changed = paths.filter((p) => !restartOnly(p));
  const applied: Loaded = { ...loaded, config: next };
  core.applySettings(applied);
  if (prev.log.level !== next.log.level) core.log.level = next.log.level;
  m.ok.set(1);
  m.at.set(Date.now() / 1000);
  core.log.info({ changed, restart_required }, 'settings reloaded');
  return { applied: true, changed, restart_required, problems: [], sources: loaded.sources };
}
