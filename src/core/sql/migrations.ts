import type { Db, Dialect } from './db.js';

export interface Migration {
  version: number;
  name: string;
  /** One script for both stores, or one per dialect where they differ. */
  sql: string | Record<Dialect, string>;
}

const FOUNDATION_TABLES = `
  CREATE TABLE users (
    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    password_hash TEXT, disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
  CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY, ts BIGINT NOT NULL, call_id TEXT NOT NULL, phase TEXT NOT NULL,
    principal TEXT NOT NULL, role TEXT NOT NULL, transport TEXT NOT NULL, tool TEXT NOT NULL,
    input TEXT NOT NULL, outcome TEXT, error_code TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);`;

/**
 * Every schema change, in order. Numbers are spaced by domain (1–9 foundation, 10–19 pools and
 * workflows, 20–29 backups, 30–39 security and config) so parallel work does not collide.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users, audit log, key-value',
    sql: {
      sqlite: `${FOUNDATION_TABLES}
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          WHEN (SELECT value FROM kv WHERE key = 'audit.rewrite') IS NOT 'allowed'
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;`,
      postgres: `${FOUNDATION_TABLES}
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' AND current_setting('mahavishnu.audit_rewrite', true) = 'allowed' THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION 'audit_log is append-only';
        END $$;
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();`,
    },
  },
  {
    version: 20,
    name: 'backup catalog',
    sql: `
      CREATE TABLE backup_catalog (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, store TEXT NOT NULL,
        location TEXT NOT NULL, size_bytes BIGINT, created_at BIGINT NOT NULL, completed_at BIGINT,
        duration_ms BIGINT, host TEXT NOT NULL, pid INTEGER NOT NULL, schema_version INTEGER NOT NULL,
        verified_at BIGINT, verified_ok INTEGER, error TEXT);
      CREATE INDEX backup_catalog_status ON backup_catalog (status, created_at);`,
  },
  {
    version: 21,
    name: 'disaster recovery checks',
    sql: `
      CREATE TABLE dr_checks (
        id TEXT PRIMARY KEY, at BIGINT NOT NULL, ok INTEGER NOT NULL, backup_id TEXT,
        rpo_seconds BIGINT, restore_ms BIGINT, report TEXT NOT NULL);
      CREATE INDEX dr_checks_at ON dr_checks (ok, at);`,
  },
  {
    version: 22,
    name: 'audit log strictly append-only; installation id',
    // restores merge the audit log (they append, never rewrite it), so the rewrite switch of
    // migration 1 goes: no row in kv, no session setting can make the log deletable any more.
    // The installation id names the installation an archive comes from; restores never touch it.
    sql: {
      sqlite: `
        DROP TRIGGER audit_log_no_delete;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TABLE installation (id TEXT PRIMARY KEY, created_at BIGINT NOT NULL);`,
      postgres: `
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_log is append-only';
        END $$;
        CREATE TABLE installation (id TEXT PRIMARY KEY, created_at BIGINT NOT NULL);`,
    },
  },
  {
    version: 23,
    name: 'installation-wide maintenance',
    // one row while a restore (or dr recover) holds the installation in maintenance, with an
    // expiry its holder renews; every long-running process heartbeats a peer row and acknowledges
    // the maintenance once it stopped writing and claiming (src/core/maintenance-board.ts)
    sql: `
      CREATE TABLE maintenance (
        id TEXT PRIMARY KEY, token TEXT NOT NULL, reason TEXT NOT NULL, holder TEXT NOT NULL,
        since BIGINT NOT NULL, expires_at BIGINT NOT NULL, cancel_running INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE maintenance_peers (
        owner TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, heartbeat_at BIGINT NOT NULL,
        ack_token TEXT);`,
  },
  {
    version: 10,
    name: 'worker pools, workflow runs and their step queue',
    sql: `
      CREATE TABLE pools (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
        min_workers INTEGER NOT NULL, max_workers INTEGER NOT NULL, desired INTEGER NOT NULL,
        autoscale INTEGER NOT NULL DEFAULT 1, state TEXT NOT NULL, force_close INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE TABLE pool_members (
        pool_id TEXT NOT NULL, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
        starting INTEGER NOT NULL, idle INTEGER NOT NULL, busy INTEGER NOT NULL, draining INTEGER NOT NULL,
        steps_done BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL, PRIMARY KEY (pool_id, owner));
      CREATE TABLE workflow_runs (
        id TEXT PRIMARY KEY, workflow TEXT NOT NULL, pool_id TEXT NOT NULL, params TEXT NOT NULL,
        state TEXT NOT NULL, cancel_requested INTEGER NOT NULL DEFAULT 0, requested_by TEXT NOT NULL,
        created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT);
      CREATE INDEX workflow_runs_state ON workflow_runs (state, created_at);
      CREATE TABLE workflow_steps (
        id TEXT PRIMARY KEY, run_id TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL,
        pool_id TEXT NOT NULL, argv TEXT NOT NULL, cwd TEXT NOT NULL, env_allow TEXT NOT NULL,
        env_set TEXT NOT NULL, timeout_ms INTEGER NOT NULL, max_attempts INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, cancel_requested INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT, lease_expires BIGINT, queued_at BIGINT NOT NULL, started_at BIGINT,
        finished_at BIGINT, exit_code INTEGER, error TEXT, output TEXT NOT NULL DEFAULT '',
        UNIQUE (run_id, idx));
      CREATE INDEX workflow_steps_queue ON workflow_steps (pool_id, state, queued_at);
      CREATE INDEX workflow_steps_lease ON workflow_steps (state, lease_expires);`,
  },
  {
    version: 11,
    name: 'fencing tokens, idempotent runs, pool slots across hosts',
    // fence: grows on every claim of a step, and every write of the step's state names it, so a
    // holder whose lease was taken over cannot write. idempotency_key: one run per key (NULLs
    // repeat). pool_slots: the desired size of a pool divided between hosts under leases.
    sql: `
      ALTER TABLE workflow_steps ADD COLUMN fence BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE workflow_runs ADD COLUMN idempotency_key TEXT;
      CREATE UNIQUE INDEX workflow_runs_idempotency ON workflow_runs (idempotency_key);
      CREATE TABLE pool_slots (
        pool_id TEXT NOT NULL, slot INTEGER NOT NULL, owner TEXT, lease_expires BIGINT,
        PRIMARY KEY (pool_id, slot));`,
  },
  {
    version: 13,
    name: 'adapter steps',
    // the call an adapter step makes (JSON); NULL for a command step
    sql: 'ALTER TABLE workflow_steps ADD COLUMN adapter_call TEXT;',
  },
  {
    version: 30,
    name: 'token signing keys',
    // private_key holds a JWK; the backup helper's secret-column registry encrypts it in backups
    sql: `
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_key TEXT NOT NULL, private_key TEXT NOT NULL,
        created_at BIGINT NOT NULL, retired_at BIGINT, revoked INTEGER NOT NULL DEFAULT 0);`,
  },
  {
    version: 31,
    name: 'per-user token revocation',
    // tokens of a user issued before this time (epoch ms, a whole second) are refused; NULL: none
    sql: 'ALTER TABLE users ADD COLUMN tokens_not_before BIGINT;',
  },
  {
    version: 32,
    name: 'human approvals of destructive calls',
    // single-use: state moves pending → approved|denied|expired → used, each by a guarded UPDATE
    sql: `
      CREATE TABLE approvals (
        id TEXT PRIMARY KEY, tool TEXT NOT NULL, args_hash TEXT NOT NULL, fingerprint TEXT NOT NULL,
        input TEXT NOT NULL, requester TEXT NOT NULL, requester_role TEXT NOT NULL, transport TEXT NOT NULL,
        state TEXT NOT NULL, plan TEXT NOT NULL, impact TEXT, created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL, decided_by TEXT, decided_at BIGINT, used_at BIGINT);
      CREATE INDEX approvals_state ON approvals (state, created_at);`,
  },
  {
    version: 33,
    name: 'the token (jti) of each audit record',
    sql: 'ALTER TABLE audit_log ADD COLUMN token_id TEXT;',
  },
  {
    version: 34,
    name: 'issued tokens',
    // one row per minted token (never the token itself): who it speaks for, who minted it, until
    // when; revoked_at refuses it alone. Plans count live tokens from it.
    sql: `
      CREATE TABLE issued_tokens (
        jti TEXT PRIMARY KEY, username TEXT NOT NULL, kid TEXT NOT NULL, minted_by TEXT NOT NULL,
        issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT, revoked_by TEXT);
      CREATE INDEX issued_tokens_user ON issued_tokens (username, expires_at);`,
  },
  {
    version: 40,
    name: 'tool calls run as durable tasks',
    // one row per task (MCP tasks): status and result outlive the connection and the process;
    // runner + heartbeat_at tell a live task from one whose process stopped
    sql: `
      CREATE TABLE tool_tasks (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, tool TEXT NOT NULL, status TEXT NOT NULL,
        status_message TEXT, progress TEXT, output TEXT, error TEXT, created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL, ttl_ms BIGINT, heartbeat_at BIGINT NOT NULL, runner TEXT NOT NULL,
        cancel_requested INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX tool_tasks_owner ON tool_tasks (owner, created_at);
      CREATE INDEX tool_tasks_status ON tool_tasks (status, heartbeat_at);`,
  },
];

/** Latest schema version this build knows. */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/**
 * Apply pending migrations under a lock, each in its own transaction. Returns versions applied.
 * Fast path: every start reads the applied versions once and, when none is missing, takes no lock
 * and opens no transaction. Otherwise each missing one is re-checked under the lock, so replicas
 * starting together on PostgreSQL still apply each migration exactly once.
 */
export async function migrate(db: Db, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const have = new Set(
    (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) =>
      Number(r.version),
    ),
  );
  const missing = migrations.filter((m) => !have.has(m.version)).sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  for (const m of missing) {
    await db.tx(async (t) => {
      await t.lock('schema_migrations');
      const done = await t.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.length > 0) return; // another replica applied it while we waited for the lock
      await t.exec(typeof m.sql === 'string' ? m.sql : m.sql[t.dialect]);
      await t.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
      applied.push(m.version);
    });
  }
  return applied;
}

export async function currentSchemaVersion(db: Db): Promise<number> {
  const rows = await db.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  return Number(rows[0]?.v ?? 0);
}
