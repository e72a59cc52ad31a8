/**
 * What a restore does with each table. Most state is *replaced* by the archive's rows (that is
 * what a restore is for). Security state and history are *merged*: rolling them back would
 * re-open what an operator closed after the backup (a revoked key, a disabled user, a revoked
 * token) or erase the record of what happened. docs/backup.md carries the same table with the why.
 */
export type TablePolicy =
  /** delete the live rows, load the archive's */
  | 'replace'
  /** the live rows stay; the archive's load only into an empty table (fresh machine, DR scratch) */
  | 'keep-live'
  /** live rows stay as they are; archive-only keys are imported only when asked (import_keys) */
  | 'keyring'
  /** per user: the more restrictive of live and archive (see mergeUsers) */
  | 'users'
  /** live coordination of running processes (leases, heartbeats): the live rows stay, the archive's are never loaded */
  | 'live';

const POLICIES: Record<string, TablePolicy> = {
  // the audit chain is append-only across restores: sequence numbers never go backwards
  audit_log: 'keep-live',
  // rotation and revocation after the backup must survive it; key material only on request
  signing_keys: 'keyring',
  // disabled users, lowered roles, per-user token revocations (tokens_not_before) stay
  users: 'users',
  // slot leases and member heartbeats belong to the processes running now: the archive's would
  // hand a live host's slots to a host of the past, or show hosts that are gone
  pool_slots: 'live',
  pool_members: 'live',
  // single-token revocations (issued_tokens.revoked_at) made after the backup stay
  issued_tokens: 'keep-live',
};

export const policyOf = (table: string): TablePolicy => POLICIES[table] ?? 'replace';

/** The merged tables, for plans and docs. */
export const MERGED_TABLES = Object.keys(POLICIES);
