import { AuditLog } from './audit/audit.js';
import type { Loaded } from './config/load.js';
import type { Config } from './config/schema.js';
import { Health } from './health/health.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { PoolMetrics } from './pools/metrics.js';
import { PoolService } from './pools/service.js';
import { SigningKeys } from './security/keys.js';
import { Tokens } from './security/tokens.js';
import type { Db } from './store/db.js';
import { Users } from './users/users.js';
import { VERSION } from './version.js';
import { WorkflowService } from './workflows/service.js';

export interface CoreDeps {
  loaded: Loaded;
  db: Db;
  log: Logger;
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
  readonly health = new Health();
  readonly poolMetrics: PoolMetrics;
  readonly workflows: WorkflowService;
  /** Pools in the store; `pools.runtime` is set where a long-running process runs workers. */
  readonly pools: PoolService;
  readonly keys: SigningKeys;
  readonly tokens: Tokens;
  private loaded: Loaded;
  private readonly closers: Array<() => Promise<void> | void> = [];

  constructor(deps: CoreDeps) {
    this.loaded = deps.loaded;
    this.db = deps.db;
    this.log = deps.log;
    this.metrics = new Metrics(VERSION);
    this.users = new Users(this.db);
    this.audit = new AuditLog(this.db);
    this.poolMetrics = new PoolMetrics(this.metrics.registry);
    this.workflows = new WorkflowService(
      this.db,
      () => this.config,
      () => this.pools,
    );
    this.pools = new PoolService(this.db, this.workflows.runs, () => this.config);
    this.keys = new SigningKeys(this.db);
    this.tokens = new Tokens(this.keys, this.users, () => ({
      audience: this.config.auth.token_audience,
      issuer: this.config.auth.token_issuer,
    }));
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
    this.loaded = next;
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
    this.log.flush?.();
  }
}
