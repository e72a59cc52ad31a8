import { z } from 'zod';
import { AdapterName, AdapterSpec, DEFAULT_MAIN } from '../adapters/adapter.js';
import { TTL_RULE, ttlSeconds } from '../security/ttl.js';

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
  shutdown_budget_s: z
    .number()
    .int()
    .min(2)
    .max(3600)
    .default(25)
    .describe(
      'Whole shutdown after SIGTERM: HTTP drain and pool drain (together), re-queueing cut steps and closing the stores. The shipped Kubernetes and systemd grace periods are derived from it.',
    ),
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
  metrics_host: z
    .string()
    .default('127.0.0.1')
    .describe('Address the separate metrics listener binds to (with metrics_port).'),
  metrics_port: z
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe(
      'Serve /metrics on this port of metrics_host instead of the main port (which then answers 404 for it).',
    ),
  max_mcp_sessions: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Most open MCP sessions (Streamable HTTP and SSE together); more are refused with 503.'),
  max_mcp_sessions_per_user: z
    .number()
    .int()
    .min(1)
    .default(32)
    .describe(
      'Most open MCP sessions of one user; more are refused with 429, so one caller never uses up max_mcp_sessions.',
    ),
  mcp_session_idle_ms: z
    .number()
    .int()
    .min(1000)
    .default(1_800_000)
    .describe('An MCP session unused this long is closed (clients that vanished without closing it).'),
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
  connect_timeout_s: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe(
      'PostgreSQL connect timeout, seconds: how long a call waits for an unreachable store before failing.',
    ),
});

export const CacheConfig = group({
  enabled: z
    .boolean()
    .default(true)
    .describe('false: the in-process cache even when backend is redis (replicas then share nothing).'),
  backend: z
    .enum(['memory', 'redis'])
    .default('memory')
    .describe('memory (in-process LRU) or redis (shared by every replica and the CLI).'),
  redis_url: z.string().default('redis://127.0.0.1:6379').describe('Redis URL when backend is redis.'),
  max_size: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Most entries in the in-memory cache (least recently used go first); memory backend only.'),
  health_ttl_s: z
    .number()
    .min(0)
    .default(2)
    .describe(
      'Seconds a component check result is reused by /health/components, mahavishnu://health and the prompts; ' +
        'shared ones (backup_storage) through the cache, so with redis one replica checks for all. 0: check on every read.',
    ),
  key_prefix: z
    .string()
    .default('mahavishnu:')
    .describe('Prefix of every Redis key (lets several deployments share one Redis).'),
});

export const LogConfig = group({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const McpConfig = group({
  stdio_principal: z
    .strictObject({ username: z.string().min(1).default('local'), role: Role.default('admin') })
    .prefault({})
    .describe('Who a stdio MCP client acts as (stdio has no tokens; it is whoever started the process).'),
  request_state_secret: z
    .string()
    .default('')
    .describe(
      'Signs the requestState of multi-round-trip MCP calls; set the same value on every replica. Empty: a key of each process.',
    ),
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
  max_token_ttl: z
    .string()
    .refine((s) => ttlSeconds(s) !== undefined, TTL_RULE)
    .default('30d')
    .describe(
      'Longest token lifetime: longer --ttl is refused at mint, and a token whose exp lies further than this after its iat is refused.',
    ),
  clock_skew_s: z
    .number()
    .int()
    .min(0)
    .max(600)
    .default(60)
    .describe('Seconds a token iat may lie in the future (clocks of other issuers); later ones are refused.'),
  cli_role: Role.default('admin').describe(
    'Role of the in-process CLI (whoever can read the data directory already owns the state).',
  ),
  principal_cache_ttl_s: z
    .number()
    .min(0)
    .default(5)
    .describe(
      'Seconds a user lookup (role, disabled, revocation) is served from the cache before the store is read again; ' +
        'changes made through this server (or any process, with cache.backend redis) apply at once. 0: read the store every request.',
    ),
  principal_stale_s: z
    .number()
    .min(0)
    .default(60)
    .describe(
      'While the state store is unreachable, tokens whose user was read within this many seconds still authenticate, ' +
        'with the role seen then; 0: none do.',
    ),
});

/** Human approval of destructive calls (docs/approvals.md). */
export const ApprovalsConfig = group({
  enabled: z
    .boolean()
    .default(true)
    .describe('Destructive calls over the transports below need a human approval.'),
  tools: z
    .array(z.string())
    .default([])
    .describe(
      'Destructive tools or groups (e.g. "backup") that need approval; empty: every destructive tool.',
    ),
  transports: z
    .array(z.enum(['stdio', 'http', 'sse', 'api', 'cli']))
    .default(['stdio', 'http', 'sse', 'api'])
    .describe('Faces whose calls need approval: MCP (stdio, http, sse) and the action API by default.'),
  lifetime_seconds: z
    .number()
    .int()
    .min(30)
    .max(86_400)
    .default(900)
    .describe('How long a request may wait for a decision, and an approval for its use.'),
  separate_approver: z
    .boolean()
    .default(false)
    .describe('The approver must be another user than the requester.'),
  public_url: z
    .string()
    .default('')
    .describe('Base URL of the approval page in approve_url (default: the URL the server listens on).'),
  session_seconds: z.number().int().min(60).default(900).describe('Lifetime of an approval page sign-in.'),
  login_max_failures: z
    .number()
    .int()
    .min(1)
    .default(5)
    .describe('Failed sign-ins per account, and per client address, before a lock-out (429).'),
  login_lockout_seconds: z
    .number()
    .int()
    .min(1)
    .default(900)
    .describe('How long failed sign-ins are counted, and a lock-out lasts.'),
  elicitation_wait_seconds: z
    .number()
    .int()
    .min(0)
    .max(600)
    .default(55)
    .describe(
      'MCP clients that declare URL elicitation get approve_url as one, and the call waits this long for the decision; 0: never.',
    ),
});

export const AuditConfig = group({
  read_calls: z.boolean().default(false).describe('Audit read-only calls too (default: only mutating ones).'),
});

/** Adapters by name; `main` is always there (the default engine) unless configured otherwise. */
export const AdaptersConfig = z
  .record(AdapterName, AdapterSpec)
  .default({ main: DEFAULT_MAIN })
  .transform((a) => (a.main ? a : { main: DEFAULT_MAIN, ...a }))
  .describe(
    'External engines by name, each behind a circuit breaker. type http: base_url, health_path, timeout_ms; ' +
      'type command: health (argv, exit 0 = healthy), run (argv per call). All: cooldown_s (60), failure_threshold (5).',
  );
export const BackupConfig = group({
  store: z
    .enum(['local', 's3'])
    .default('local')
    .describe('Where archives go: local (a folder, <data.dir>/backups by default) or s3.'),
  dir: z
    .string()
    .default('')
    .describe('Local backup folder. Empty: <data.dir>/backups. The runbook copies archives here to restore.'),
  signing_key: z
    .string()
    .default('')
    .describe(
      'HMAC-SHA256 key signing every archive (at least 32 characters). Keep it outside the store; ' +
        'set it with MAHAVISHNU_BACKUP__SIGNING_KEY. Backups are refused without it.',
    ),
  encryption_key: z
    .string()
    .default('')
    .describe(
      'Key (at least 32 characters) encrypting every archive entry with AES-256-GCM (and secret columns once more); ' +
        'set it with MAHAVISHNU_BACKUP__ENCRYPTION_KEY. Backups are refused without it.',
    ),
  previous_signing_keys: z
    .string()
    .default('')
    .describe(
      'Older backup signing keys, comma-separated, still accepted when reading archives (after a rotation of signing_key).',
    ),
  previous_encryption_keys: z
    .string()
    .default('')
    .describe(
      'Older backup encryption keys, comma-separated, still used to read archives made with them (after a rotation).',
    ),
  max_inflate_ratio: z
    .number()
    .min(1)
    .default(10)
    .describe(
      'Most decompressed bytes per compressed byte a restore reads (archive entries are encrypted, so a real archive is near 1): stops a gzip bomb at once.',
    ),
  bucket: z.string().default('').describe('S3 bucket (store: s3), e.g. mahavishnu-backups.'),
  prefix: z
    .string()
    .default('')
    .describe('S3 key prefix (e.g. prod/); empty puts archives at the bucket root.'),
  region: z.string().default('us-east-1').describe('S3 region.'),
  endpoint: z.string().default('').describe('S3-compatible endpoint URL (MinIO, …). Empty: AWS.'),
  force_path_style: z.boolean().default(false).describe('Path-style S3 URLs (most S3-compatible servers).'),
  part_size_mb: z.number().int().min(5).max(512).default(8).describe('S3 multipart part size, MiB.'),
  max_restore_bytes: z
    .number()
    .int()
    .min(1)
    .default(20 * 1024 ** 3)
    .describe('Largest total uncompressed size a restore accepts (guards against archive bombs).'),
  max_restore_entries: z.number().int().min(1).default(100_000).describe('Most entries a restore accepts.'),
  stale_after_hours: z
    .number()
    .min(0)
    .default(24)
    .describe('A backup still "running" on another host after this long is treated as crashed and cleaned.'),
  maintenance_poll_ms: z
    .number()
    .int()
    .min(50)
    .max(10_000)
    .default(500)
    .describe(
      'How often serve and worker processes read the installation-wide maintenance a restore holds (and heartbeat).',
    ),
  restore_drain_s: z
    .number()
    .min(0)
    .default(300)
    .describe(
      'How long a restore waits for every process to pause and for running workflow steps to end before it gives up (nothing changed).',
    ),
});

export const DrConfig = group({
  rpo_hours: z
    .number()
    .positive()
    .default(24)
    .describe('Recovery point objective: dr check fails when the newest backup is older than this.'),
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
  idempotency_window_s: z
    .number()
    .int()
    .min(1)
    .default(86_400)
    .describe('How long a workflow_run idempotency_key returns the run it created.'),
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

/**
 * Access tokens from an external OpenID Connect issuer, besides the ones mahavishnu mints
 * (docs/server.md, "Authorization"). Off while issuer is empty.
 */
export const OidcConfig = z
  .strictObject({
    issuer: z
      .string()
      .default('')
      .describe(
        'The `iss` of accepted external access tokens (e.g. https://login.example.com/realms/ops); empty: only tokens mahavishnu mints are accepted.',
      ),
    audience: z
      .string()
      .default('')
      .describe(
        'The `aud` such a token must carry, naming this server (e.g. its /mcp URL); a token for any other audience is refused (no token passthrough).',
      ),
    jwks_url: z
      .string()
      .default('')
      .describe(
        "The issuer's signing keys (JWKS URL); empty: jwks_uri of <issuer>/.well-known/openid-configuration.",
      ),
    role_claim: z
      .string()
      .default('roles')
      .describe('The claim (a string or a list) whose values map to a role.'),
    role_map: z
      .record(z.string(), Role)
      .default({})
      .describe(
        'Claim value → role (viewer, operator, admin); the highest mapped value wins; a token with none is refused.',
      ),
    username_claim: z
      .string()
      .default('preferred_username')
      .describe('The claim that names the caller in the audit log (falls back to sub).'),
    resource: z
      .string()
      .default('')
      .describe(
        'The public URL of /mcp, advertised as the protected resource (RFC 9728); empty: from the request.',
      ),
  })
  .refine((o) => !o.issuer || o.audience, {
    path: ['audience'],
    message: 'set oidc.audience (the audience tokens for this server carry) when oidc.issuer is set',
  })
  .prefault({});

export const ConfigSchema = z.strictObject({
  server: ServerConfig,
  data: DataConfig,
  database: DatabaseConfig,
  cache: CacheConfig,
  log: LogConfig,
  mcp: McpConfig,
  policy: PolicyConfig,
  auth: AuthConfig,
  approvals: ApprovalsConfig,
  audit: AuditConfig,
  adapters: AdaptersConfig,
  backup: BackupConfig,
  dr: DrConfig,
  workflows: WorkflowsConfig,
  pools: PoolsConfig,
  oidc: OidcConfig,
});

export type Config = z.infer<typeof ConfigSchema>;
