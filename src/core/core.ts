import { AuditLog } from './audit/audit.js';
import { Backups } from './backup/backups.js';
import type { BlobStoreFactory } from './backup/blob.js';
import { registerBackupHealth } from './backup/health.js';
import { BackupMetrics } from './backup/metrics.js';
import type { Loaded } from './config/load.js';
import type { Config } from './config/schema.js';
import { DisasterRecovery, type ScratchDbFactory } from './dr/dr.js';
import { Health } from './health/health.js';
import type { Logger } from './log.js';
import { Maintenance } from './maintenance.js';
import { Metrics } from './metrics.js';
import { SigningKeys } from './security/keys.js';
import { Tokens } from './security/tokens.js';
import type { Db } from './store/db.js';
import { Users } from './users/users.js';
import { VERSION } from './version.js';

export interface CoreDeps {
  loaded: Loaded;
  db: Db;
  log: Logger;
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
  readonly health = new Health();
  /** While active, invoke refuses state-changing tools and pools pause (a restore is running). */
  readonly maintenance = new Maintenance();
  readonly backups: Backups;
  readonly dr: DisasterRecovery;
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
    this.backups = new Backups({
      db: this.db,
      log: this.log,
      version: VERSION,
      config: () => this.config,
      sources: () => this.loaded.sources,
      openBlobStore: deps.openBlobStore,
      metrics: new BackupMetrics(this.metrics.registry, this.db),
    });
    this.dr = new DisasterRecovery(this, this.backups, deps.scratchDb);
    registerBackupHealth(this.health, this.backups, () => this.config.dr.rpo_hours);
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
