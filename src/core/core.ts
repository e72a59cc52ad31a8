import { randomUUID } from 'node:crypto';
import type { AdapterConnector } from './adapters/adapter.js';
import { Adapters } from './adapters/adapters.js';
import { Approvals } from './approvals/approvals.js';
import { AuditLog } from './audit/audit.js';
import { Backups } from './backup/backups.js';
import type { BlobStoreFactory } from './backup/blob.js';
import { registerBackupHealth } from './backup/health.js';
import { BackupMetrics } from './backup/metrics.js';
import type { Cache } from './cache/cache.js';
import { MemoryCache } from './cache/memory.js';
import { abortable, cancelled, isAbort } from './cancel.js';
import type { Loaded } from './config/load.js';
import { reloadMetrics } from './config/reload.js';
import type { Config } from './config/schema.js';
import { DisasterRecovery, type ScratchDbFactory } from './dr/dr.js';
import { Health } from './health/health.js';
import type { Logger } from './log.js';
import { Maintenance } from './maintenance.js';
import { Metrics } from './metrics.js';
import { PoolMetrics } from './pools/metrics.js';
import { PoolService } from './pools/service.js';
import { SigningKeys } from './security/keys.js';
import { OidcVerifier } from './security/oidc.js';
import { Tokens } from './security/tokens.js';
import { ttlSeconds } from './security/ttl.js';
import type { Db } from './sql/db.js';
import { ToolTasks } from './tasks/tasks.js';
import { PrincipalCache } from './users/principal-cache.js';
import { Users } from './users/users.js';
import { VERSION } from './version.js';
import { WorkflowService } from './workflows/service.js';

export interface CoreDeps {
  loaded: Loaded;
  db: Db;
  log: Logger;
  /** Default: the in-process LRU. */
  cache?: Cache;
  /** Builds adapter clients; without it adapters are listed but every call fails. */
  connectAdapter?: AdapterConnector;
  /** Where backups are kept (local folder or S3), built from the settings in force. */
  openBlobStore: BlobStoreFactory;
  /** An empty scratch store in a file, for DR restore checks. */
  scratchDb: ScratchDbFactory;
}

/**
 * The engine every face (MCP, CLI, HTTP) shares. It knows no transport; storage is reached only
 * through the ports it was given.
 */
export class Core {
  readonly version = VERSION;
  readonly startedAt = Date.now();
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly db: Db;
  readonly users: Users;
  readonly audit: AuditLog;
  /** Human approvals of destructive calls (docs/approvals.md). */
  readonly approvals: Approvals;
  readonly health: Health;
  readonly cache: Cache;
  readonly adapters: Adapters;
  /** While active, invoke refuses state-changing tools and pools pause (a restore is running). */
  readonly maintenance: Maintenance;
  readonly backups: Backups;
  readonly dr: DisasterRecovery;
  readonly poolMetrics: PoolMetrics;
  readonly workflows: WorkflowService;
  /** Pools in the store; `pools.runtime` is set where a long-running process runs workers. */
  readonly pools: PoolService;
  readonly keys: SigningKeys;
  readonly tokens: Tokens;
  /** The cached user lookup of every authenticated request. */
  readonly principals: PrincipalCache;
  /** Access tokens of the external OpenID Connect issuer (oidc.* settings). */
  readonly oidc = new OidcVerifier(() => this.config.oidc);
  /** Records of tool calls run as durable tasks (src/tools/tasks.ts runs them). */
  readonly tasks: ToolTasks;
  private loaded: Loaded;
  private readonly settingsListeners: Array<(next: Loaded, prev: Loaded) => void> = [];
  private readonly closers: Array<() => Promise<void> | void> = [];

  constructor(deps: CoreDeps) {
    this.loaded = deps.loaded;
    this.db = deps.db;
    this.log = deps.log;
    this.maintenance = new Maintenance(
      this.db,
      () => ({
        pollMs: this.config.backup.maintenance_poll_ms,
        drainMs: this.config.backup.restore_drain_s * 1000,
      }),
      this.log,
    );
    this.metrics = new Metrics(VERSION);
    this.users = new Users(this.db);
    this.tasks = new ToolTasks(this.db);
    this.audit = new AuditLog(this.db);
    this.approvals = new Approvals(this.db, this.audit, () => this.config.approvals);
    this.cache = deps.cache ?? new MemoryCache(this.config.cache.max_size);
    this.health = new Health({ cache: this.cache, ttlSeconds: () => this.config.cache.health_ttl_s });
    this.adapters = new Adapters(
      deps.connectAdapter ??
        (() => {
          throw new Error('no adapter connector was given to the core');
        }),
      this.health,
      this.log,
      this.metrics.registry,
      this.metrics.errors,
    );
    this.adapters.configure(this.config.adapters);
    this.onSettingsChange((next) => this.adapters.configure(next.config.adapters));
    this.onClose(() => this.adapters.close());
    reloadMetrics(this);
    this.backups = new Backups({
      db: this.db,
      log: this.log,
      version: VERSION,
      config: () => this.config,
      sources: () => this.loaded.sources,
      openBlobStore: deps.openBlobStore,
      metrics: new BackupMetrics(this.metrics.registry, this.db),
      openFile: deps.scratchDb,
    });
    // safety backups a restore seals after it returned are finished before the store closes
    this.onClose(() => this.backups.settle());
    this.dr = new DisasterRecovery(this, this.backups, deps.scratchDb);
    registerBackupHealth(this.health, this.backups, () => this.config.dr.rpo_hours);
    this.poolMetrics = new PoolMetrics(this.metrics.registry);
    this.workflows = new WorkflowService(
      this.db,
      () => this.config,
      () => this.pools,
    );
    this.pools = new PoolService(this.db, this.workflows.runs, () => this.config);
    // the store failed a call within the principal cache ttl and answered none since: a read now
    // would wait out the connect timeout again. Within the ttl, so the copy is used no longer after
    // the store is back than a cached lookup is anyway (0: never)
    const storeDown = () =>
      Date.now() - (this.db.lastFailure?.() ?? 0) < this.config.auth.principal_cache_ttl_s * 1000;
    this.keys = new SigningKeys(this.db, 1000, () => this.config.auth.principal_stale_s * 1000, storeDown);
    this.principals = new PrincipalCache(
      this.users,
      this.cache,
      () => ({
        ttlSeconds: this.config.auth.principal_cache_ttl_s,
        staleSeconds: this.config.auth.principal_stale_s,
      }),
      this.log,
      storeDown,
    );
    // a restore rewrites the users table: what the cache holds may no longer be what the store says
    this.maintenance.onChange((m) => {
      if (!m) void this.principals.invalidate('all').catch(() => {});
    });
    this.tokens = new Tokens(
      this.keys,
      this.users,
      () => ({
        audience: this.config.auth.token_audience,
        issuer: this.config.auth.token_issuer,
        maxTtlSeconds: ttlSeconds(this.config.auth.max_token_ttl) ?? 30 * 86_400,
        skewSeconds: this.config.auth.clock_skew_s,
      }),
      this.principals,
      // a token minted here but refused (revoked, disabled user, lifetime): one audit record
      (principal, err) =>
        this.audit.append({
          callId: randomUUID(),
          phase: 'refused',
          principal,
          tool: 'auth_token',
          input: { reason: err.message.slice(0, 500) },
          outcome: 'error',
          errorCode: err.code,
        }),
    );
    this.health.register({
      name: 'state_store',
      critical: true,
      check: async () => {
        const ms = await this.db.ping();
        return {
          status: 'healthy',
          message: `${this.db.dialect} answers`,
          details: { store: this.db.location, ping_ms: ms },
        };
      },
    });
    this.health.register({
      name: 'cache',
      critical: false,
      check: async () => {
        const ms = await this.cache.ping();
        return {
          status: 'healthy',
          message: `${this.cache.backend} cache answers`,
          details: { backend: this.cache.backend, location: this.cache.location, ping_ms: ms },
        };
      },
    });
  }

  /** The settings in force (replaced whole by a successful reload). */
  get config(): Config {
    return this.loaded.config;
  }

  get settings(): Loaded {
    return this.loaded;
  }

  /** Swap in new, already validated settings at once. */
  applySettings(next: Loaded): void {
    const prev = this.loaded;
    this.loaded = next;
    for (const fn of this.settingsListeners) fn(next, prev);
  }

  /** Run fn after each applySettings (domains rebuild what depends on settings, e.g. adapters). */
  onSettingsChange(fn: (next: Loaded, prev: Loaded) => void): void {
    this.settingsListeners.push(fn);
  }

  /**
   * Drop and re-establish the state store and cache connections in place. Calls in flight on
   * the old connections fail with a retryable `unavailable`; new calls use the new ones.
   */
  async restartConnections(signal?: AbortSignal): Promise<{ state_store: string; cache: string }> {
    if (signal?.aborted)
      throw cancelled(signal, {
        done: [],
        notDone: ['the restart of the state store and cache connections'],
      });
    await this.db.reconnect?.();
    // the new cache connection is in place at once; only its getting ready is waited for
    await abortable(this.cache.reconnect(), signal).catch((e: unknown) => {
      if (!isAbort(e, signal)) throw e;
      throw cancelled(signal, {
        done: [
          'state store connections restarted',
          'cache connection replaced (the new one was still connecting; it keeps retrying by itself)',
        ],
        notDone: ['the health check of state_store and cache after the restart (GET /ready shows it)'],
      });
    });
    return { state_store: this.db.location, cache: this.cache.location };
  }

  /**
   * Follow the installation-wide maintenance (a restore anywhere in the installation pauses this
   * process) until close; long-running processes (serve, worker) call it once.
   */
  watchMaintenance(): void {
    const stop = this.maintenance.watch();
    this.onClose(stop);
  }

  /** Register work to run at close, in reverse order of registration. */
  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) {
      try {
        await fn();
      } catch (e) {
        this.log.warn({ err: e }, 'error while closing');
      }
    }
    await this.db.close();
    await this.cache.close().catch(() => {});
    this.log.flush?.();
  }
}
