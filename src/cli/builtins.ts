import { z } from 'zod';
import { ApprovalId } from '../core/approvals/schemas.js';
import { type JsonObjectSchema, toJsonSchema } from '../tools/json-schema.js';
import { type Globals, loadOpts } from './globals.js';

export { type Globals, loadOpts };

// Each command loads what it needs when it runs (the core, the server, yaml): a static import
// here would slow the start of every other command, --help included.
const openCore: typeof import('../compose/open-core.js').openCore = async (o) =>
  (await import('../compose/open-core.js')).openCore(o);

/**
 * A command that is not a tool: it runs the process itself (serve, mcp start) or talks to a
 * server. Its flags are declared as a strict zod object, like a tool's input, and parsed, checked
 * and helped by the same code as the tools' flags, so an unknown flag is an error everywhere.
 */
export interface Builtin {
  path: string[];
  summary: string;
  /** The help text under the usage line. */
  description: string;
  flags: z.ZodObject;
  /** The flags as JSON Schema, which the parser and the help read. */
  schema: JsonObjectSchema;
  /** Flags also taken as positional arguments, in order (e.g. ['id']). */
  positional?: string[];
  /** Resolves with the exit code; `flags` is the parsed output of `flags`. */
  run: (flags: Record<string, unknown>, globals: Globals) => Promise<number>;
}

function builtin<F extends z.ZodObject>(b: {
  path: string[];
  summary: string;
  description: string;
  flags: F;
  positional?: string[];
  run: (flags: z.output<F>, globals: Globals) => Promise<number>;
}): Builtin {
  let schema: JsonObjectSchema | undefined;
  return {
    ...b,
    // made when first read (parsing or help of this command), not for every builtin at start
    get schema() {
      schema ??= toJsonSchema(b.flags, 'input');
      return schema;
    },
    run: (flags, g) => b.run(flags as z.output<F>, g),
  };
}

const none = z.strictObject({});
const approvalId = z.strictObject({ id: ApprovalId });
const decide = (decision: 'approved' | 'denied') => async (flags: { id: string }, g: Globals) =>
  (await import('./approvals.js')).runDecide(flags.id, decision, g);

export const BUILTINS: Builtin[] = [
  // approvals are decided on the host, in-process, never through MCP or the API (docs/approvals.md)
  builtin({
    path: ['approval', 'list'],
    summary: 'List the approvals waiting for a decision (on the host)',
    description: `List the requests for approval of destructive calls, newest first: id, tool, requester,
expiry and plan. --all shows decided, used and expired ones too. Runs in-process against the state
store (on the host), like mahavishnu approve.`,
    flags: z.strictObject({
      all: z.boolean().default(false).describe('Also show decided, used and expired approvals.'),
    }),
    run: async (flags, g) => (await import('./approvals.js')).runList(flags.all, g),
  }),
  builtin({
    path: ['approve'],
    summary: 'Approve a pending destructive call (on the host)',
    description: `Show the plan of approval <id> and approve it: the requester's repeated call with
approval_id then runs, once. Asks for confirmation on a terminal; without one, needs --yes. Runs
in-process against the state store as the CLI's principal (auth.cli_role); never over the network.`,
    flags: approvalId,
    positional: ['id'],
    run: decide('approved'),
  }),
  builtin({
    path: ['deny'],
    summary: 'Deny a pending destructive call (on the host)',
    description: `Deny approval <id>: a call carrying it is refused. Runs in-process against the state store.`,
    flags: approvalId,
    positional: ['id'],
    run: decide('denied'),
  }),
  builtin({
    path: ['config', 'example'],
    summary: 'Print a settings file with every key, commented, at its default',
    description:
      'Print a settings file with every key, commented, at its default:\n' +
      '  mahavishnu config example > settings/mahavishnu.yaml',
    flags: none,
    run: async () => {
      const { exampleSettings } = await import('../core/config/example.js');
      process.stdout.write(exampleSettings());
      return 0;
    },
  }),
  builtin({
    path: ['serve'],
    summary: 'Run the server: MCP over HTTP and SSE, the action API, probes and metrics',
    description: `Run the server: MCP over Streamable HTTP (/mcp) and SSE (/sse + /messages), the action API the CLI
uses with --server (/api/v1/tools/<name>), probes (/health, /ready, /health/components) and
/metrics. Binds server.host:server.port from the settings (127.0.0.1:8080 by default); --port 0
picks a free port. The listen address is printed on stderr.

SIGTERM or SIGINT: /ready turns 503, new sessions are refused; calls in flight and running
steps drain side by side within server.shutdown_budget_s, steps still running then go back to
the queue (attempt not counted), the stores close and the process exits 0; a second signal
exits at once. SIGHUP reloads the settings.`,
    flags: z.strictObject({
      host: z.string().min(1).optional().describe('Address to bind (default: server.host).'),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .optional()
        .describe('Port to bind, 0 for a free one (default: server.port).'),
    }),
    // loaded on use: the server code (Hono, the MCP SDK) would slow every other command's start
    run: async (flags, g) => (await import('./serve.js')).runServe(flags, g),
  }),
  builtin({
    path: ['mcp', 'status'],
    summary: 'Check a running server: health, readiness, MCP initialize and tools/list',
    description: `Check a running server (--server, else server.url, else http://127.0.0.1:<server.port>): GET /health,
GET /ready, GET /health/components, then an MCP initialize and tools/list over /mcp with the token in
MAHAVISHNU_TOKEN. Prints the version, uptime, tool count and each component's state.
Exit code: 0 when all is well; 7 when the server is down or not ready; 3 when the token is refused.`,
    flags: none,
    run: async (_flags, g) => (await import('./status.js')).runStatus(g),
  }),
  builtin({
    path: ['test'],
    summary: 'Smoke-test a running server: probes, metrics, MCP initialize and a tool call',
    description: `Smoke-test a running server (after a deploy, as the runbook does): GET /health, /ready and
/health/components, a /metrics scrape, then an MCP initialize and one read-only tool call (default
audit_verify) over /mcp with the token in MAHAVISHNU_TOKEN. Prints each step; exit 0 when all pass,
7 when any fails.`,
    flags: z.strictObject({
      smoke: z
        .literal(true, { error: 'say which test to run: `mahavishnu test --smoke`' })
        .describe('Run the smoke test (the one test there is).'),
      tool: z.string().min(1).default('audit_verify').describe('Read-only tool to call over MCP.'),
    }),
    run: async (flags, g) => (await import('./smoke.js')).runSmoke(flags, g),
  }),
  builtin({
    path: ['mcp', 'start'],
    summary: 'Serve every tool over MCP on stdin/stdout',
    description:
      'Serve the MCP tools, resources and prompts over stdio, for an MCP client that spawns\n' +
      'this command. The caller acts as mcp.stdio_principal from the settings. Logs go to stderr.',
    flags: none,
    run: async (_flags, g) => {
      // both loads at once: module files are read while the store opens and migrates
      const [{ serveStdio }, core] = await Promise.all([import('../mcp/stdio.js'), openCore(loadOpts(g))]);
      try {
        await serveStdio(core);
      } finally {
        await core.close();
      }
      return 0;
    },
  }),
  builtin({
    path: ['worker'],
    summary: 'Run the workers of one pool against the shared state store (for extra hosts)',
    description: `Run worker processes for pool NAME until SIGTERM or SIGINT: claims steps from the
shared store (PostgreSQL for several hosts) under leases, keeps the pool at its desired size, and
reclaims steps of hosts that died. With --min and --max, the pool is created (by the pool_spawn
tool) if it does not exist.`,
    flags: z
      .strictObject({
        pool: z.string().min(1).describe('Name of the pool whose workers this process runs.'),
        min: z.number().int().min(0).max(256).optional().describe('Fewest workers, if the pool is created.'),
        max: z.number().int().min(1).max(256).optional().describe('Most workers, if the pool is created.'),
      })
      .refine((f) => (f.min === undefined) === (f.max === undefined), {
        message: 'give both --min and --max (to create the pool if missing), or neither',
        path: ['max'],
      }),
    run: async (flags, g) => (await import('./worker.js')).runWorker(flags, g),
  }),
];
