import { type Globals, loadOpts } from './globals.js';
import { SERVE_USAGE, SMOKE_USAGE, STATUS_USAGE } from './usage.js';

export { type Globals, loadOpts };

// Each command loads what it needs when it runs (the core, the server, yaml): a static import
// here would slow the start of every other command, --help included.
const openCore: typeof import('../compose/open-core.js').openCore = async (o) =>
  (await import('../compose/open-core.js')).openCore(o);

/** Commands that are not tools: they run the process itself (serve, mcp start) or talk to a server. */
export interface Builtin {
  path: string[];
  summary: string;
  usage: string;
  /** Resolves with the exit code. */
  run: (args: string[], globals: Globals) => Promise<number>;
}

export const BUILTINS: Builtin[] = [
  {
    path: ['config', 'example'],
    summary: 'Print a settings file with every key, commented, at its default',
    usage: 'Usage: mahavishnu config example > settings/mahavishnu.yaml',
    run: async () => {
      const { exampleSettings } = await import('../core/config/example.js');
      process.stdout.write(exampleSettings());
      return 0;
    },
  },
  {
    path: ['serve'],
    summary: 'Run the server: MCP over HTTP and SSE, the action API, probes and metrics',
    usage: SERVE_USAGE,
    // loaded on use: the server code (Hono, the MCP SDK) would slow every other command's start
    run: async (args, g) => (await import('./serve.js')).runServe(args, g),
  },
  {
    path: ['mcp', 'status'],
    summary: 'Check a running server: health, readiness, MCP initialize and tools/list',
    usage: STATUS_USAGE,
    run: async (args, g) => (await import('./status.js')).runStatus(args, g),
  },
  {
    path: ['test'],
    summary: 'Smoke-test a running server: probes, metrics, MCP initialize and a tool call',
    usage: SMOKE_USAGE,
    run: async (args, g) => (await import('./smoke.js')).runSmoke(args, g),
  },
  {
    path: ['mcp', 'start'],
    summary: 'Serve every tool over MCP on stdin/stdout',
    usage:
      'Usage: mahavishnu mcp start\n\nServe the MCP tools, resources and prompts over stdio, for an MCP client that spawns\n' +
      'this command. The caller acts as mcp.stdio_principal from the settings. Logs go to stderr.',
    run: async (_args, g) => {
      // both loads at once: module files are read while the store opens and migrates
      const [{ serveStdio }, core] = await Promise.all([import('../mcp/stdio.js'), openCore(loadOpts(g))]);
      try {
        await serveStdio(core);
      } finally {
        await core.close();
      }
      return 0;
    },
  },
  {
    path: ['worker'],
    summary: 'Run the workers of one pool against the shared state store (for extra hosts)',
    usage:
      'Usage: mahavishnu worker --pool NAME [--min N --max N]\n\nRun worker processes for pool NAME until SIGTERM or SIGINT: claims steps from the\n' +
      'shared store (PostgreSQL for several hosts) under leases, keeps the pool at its desired size, and\n' +
      'reclaims steps of hosts that died. With --min and --max, the pool is created if it does not exist.',
    run: async (args, g) => (await import('./worker.js')).runWorker(args, g),
  },
];
