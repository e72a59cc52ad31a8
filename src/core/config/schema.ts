import { z } from 'zod';

export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

/** A group of settings: strict (unknown keys are errors) and filled with its defaults when absent. */
// biome-ignore lint/suspicious/noExplicitAny: every field of a group has a default, which the generic cannot see
const group = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as any);

export const ServerConfig = group({
  host: z.string().default('127.0.0.1').describe('Address `mahavishnu serve` binds to.'),
  port: z.number().int().min(0).max(65535).default(8080).describe('Port `mahavishnu serve` listens on.'),
  url: z
    .string()
    .url()
    .optional()
    .describe(
      'URL of a running server that the CLI sends live actions to (default http://127.0.0.1:<port>).',
    ),
  drain_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('How long SIGTERM waits for calls in flight.'),
  body_limit_bytes: z.number().int().min(1024).default(1_048_576).describe('Largest request body accepted.'),
  request_timeout_ms: z.number().int().min(0).default(300_000).describe('Longest time a request may take.'),
  headers_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(20_000)
    .describe('Longest time to receive request headers.'),
  keep_alive_timeout_ms: z.number().int().min(0).default(5_000).describe('Idle keep-alive socket timeout.'),
  allowed_hosts: z
    .array(z.string())
    .default([])
    .describe('Host headers accepted besides localhost names (DNS-rebinding protection).'),
  allowed_origins: z.array(z.string()).default([]).describe('Origin headers accepted by /mcp and /sse.'),
  metrics_require_token: z.boolean().default(false).describe('Put /metrics behind a bearer token.'),
});

export const DataConfig = group({
  dir: z.string().default('./data').describe('Data directory: the embedded store, local backups, keys.'),
});

export const DatabaseConfig = group({
  url: z
    .string()
    .default('')
    .describe('PostgreSQL URL (postgres://…). Empty: the embedded SQLite file <data.dir>/mahavishnu.db.'),
  pool_max: z.number().int().min(1).max(100).default(10).describe('Most PostgreSQL connections.'),
  connect_timeout_s: z.number().int().min(1).default(5).describe('PostgreSQL connect timeout, seconds.'),
});

export const CacheConfig = group({
  enabled: z.boolean().default(true).describe('Cache component checks and reads.'),
  backend: z.enum(['memory', 'redis']).default('memory').describe('memory (in-process LRU) or redis.'),
  redis_url: z.string().default('redis://127.0.0.1:6379').describe('Redis URL when backend is redis.'),
  ttl: z.number().int().min(1).default(3600).describe('Default entry lifetime, seconds.'),
  max_size: z.number().int().min(1).default(1000).describe('Most entries in the in-memory cache.'),
});

export const LogConfig = group({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const McpConfig = group({
  stdio_principal: z
    .strictObject({ username: z.string().min(1).default('local'), role: Role.default('admin') })
    .prefault({})
    .describe('Who a stdio MCP client acts as (stdio has no tokens; it is whoever started the process).'),
  test_tools: z.boolean().default(false).describe('Serve the test_* fixture tools (conformance tests only).'),
});

export const PolicyConfig = group({
  read_only: z.boolean().default(false).describe('Only read-only tools are listed and callable.'),
  disable_destructive: z
    .boolean()
    .default(false)
    .describe('Destructive tools are neither listed nor callable.'),
  enabled_tools: z
    .array(z.string())
    .default([])
    .describe('If non-empty, only these tools or groups (e.g. "backup") are served.'),
  disabled_tools: z
    .array(z.string())
    .default([])
    .describe('Tools or groups (e.g. "pool") that are never served.'),
});

export const AuthConfig = group({
  token_audience: z
    .string()
    .default('mahavishnu')
    .describe('The `aud` claim tokens are minted with and must carry.'),
  token_issuer: z.string().default('mahavishnu').describe('The `iss` claim of minted tokens.'),
  default_token_ttl: z
    .string()
    .default('1h')
    .describe('Token lifetime when --ttl is not given (e.g. 15m, 1h, 7d).'),
  cli_role: Role.default('admin').describe(
    'Role of the in-process CLI (whoever can read the data directory already owns the state).',
  ),
});

export const WorkflowsConfig = group({
  dir: z
    .string()
    .default('./workflows')
    .describe('Folder of reviewed workflow files (*.yaml), relative to the working directory.'),
  adhoc_executables: z
    .array(z.string())
    .default([])
    .describe('Executables (argv[0]) that `workflow run --command` may run ad hoc; empty: none.'),
  max_output_bytes: z
    .number()
    .int()
    .min(1024)
    .default(65_536)
    .describe('Captured stdout+stderr kept per step (the tail), bytes.'),
});

export const PoolsConfig = group({
  enabled: z.boolean().default(true).describe('Run pool workers in `mahavishnu serve`.'),
  lease_ms: z
    .number()
    .int()
    .min(500)
    .default(15_000)
    .describe('Lease of a claimed step; a step whose lease expires (dead host) is reclaimed.'),
  tick_ms: z
    .number()
    .int()
    .min(50)
    .default(500)
    .describe('How often a runtime reconciles pools, renews leases, reaps and autoscales.'),
  ready_timeout_ms: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe('How long `pool spawn` and `pool scale` wait for new workers to be ready.'),
  drain_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe('How long `pool close` and shutdown wait for running steps to finish.'),
});

export const ConfigSchema = z.strictObject({
  server: ServerConfig,
  data: DataConfig,
  database: DatabaseConfig,
  cache: CacheConfig,
  log: LogConfig,
  mcp: McpConfig,
  policy: PolicyConfig,
  auth: AuthConfig,
  workflows: WorkflowsConfig,
  pools: PoolsConfig,
});

export type Config = z.infer<typeof ConfigSchema>;
