import { randomBytes } from 'node:crypto';
import { conflict, invalid, notFound } from '../errors.js';
import type { Db } from '../sql/db.js';
import { boundsProblem, type PoolSpawnInput, type PoolState, poolNameProblem } from './schemas.js';

export interface PoolRow {
  id: string;
  name: string;
  type: string;
  min_workers: number;
  max_workers: number;
  desired: number;
  autoscale: number;
  state: PoolState;
  force_close: number;
  created_at: number;
  updated_at: number;
}

/** What one runtime (one process) reports about its workers of a pool, refreshed every tick. */
export interface MemberRow {
  pool_id: string;
  owner: string;
  host: string;
  pid: number;
  starting: number;
  idle: number;
  busy: number;
  draining: number;
  steps_done: number;
  heartbeat_at: number;
}

const num = (r: PoolRow): PoolRow => ({
  ...r,
  min_workers: Number(r.min_workers),
  max_workers: Number(r.max_workers),
  desired: Number(r.desired),
  autoscale: Number(r.autoscale),
  force_close: Number(r.force_close),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

/** Relative targets ("+5", "-2") are applied to the current desired size; the result must fit [min, max]. */
export function resolveTarget(pool: PoolRow, target: number | string): number {
  let n: number;
  if (typeof target === 'number') n = target;
  else if (/^[+-]\d+$/.test(target)) n = pool.desired + Number(target);
  else if (/^\d+$/.test(target)) n = Number(target);
  else throw invalid(`target must be a number (10) or a relative change ("+5", "-2"), got "${target}"`);
  if (n < 0)
    throw invalid(`target ${target} would leave pool ${pool.name} with ${n} workers; the least is 0`);
  // an exhausted pool is at its max: the fix is to move the bound, which pool_update does
  if (n > pool.max_workers)
    throw invalid(
      `target ${n} is above pool ${pool.name}'s max ${pool.max_workers}; raise the max first with ` +
        `\`pool_update ${JSON.stringify({ pool: pool.name, max: n })}\`, then scale again, or pick a target up to ${pool.max_workers}`,
    );
  if (n < pool.min_workers)
    throw invalid(
      `target ${n} is below pool ${pool.name}'s min ${pool.min_workers}; lower the min first with ` +
        `\`pool_update ${JSON.stringify({ pool: pool.name, min: n })}\`, then scale again, or pick a target of at least ${pool.min_workers}`,
    );
  return n;
}

/** Pools and their desired size: the durable half of a pool (the live half is the runtime). */
export class PoolStore {
  constructor(private readonly db: Db) {}

  async create(input: PoolSpawnInput): Promise<PoolRow> {
    // pool_spawn's schema refuses these first; the store guards its rows against any other caller
    const problem = poolNameProblem(input.name) ?? boundsProblem(input.min, input.max);
    if (problem) throw invalid(problem);
    const existing = await this.db.query<PoolRow>('SELECT * FROM pools WHERE name = $1', [input.name]);
    if (existing[0] && existing[0].state !== 'closed') {
      throw conflict(
        `pool ${input.name} exists (${existing[0].id}); scale it with \`pool_scale {"pool":"${existing[0].id}","target":"N"}\``,
      );
    }
    const now = Date.now();
    const id = `pool-${randomBytes(4).toString('hex')}`;
    await this.db.tx(async (t) => {
      // a closed pool's name can be reused: the old row is renamed out of the way
      if (existing[0])
        await t.query("UPDATE pools SET name = $1 WHERE id = $2 AND state = 'closed'", [
          `${existing[0].id}~closed`,
          existing[0].id,
        ]);
      await t.query(
        `INSERT INTO pools (id, name, type, min_workers, max_workers, desired, autoscale, state, force_close, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', 0, $8, $8)`,
        [id, input.name, input.type, input.min, input.max, input.min, input.autoscale ? 1 : 0, now],
      );
    });
    return this.get(id);
  }

  async list(includeClosed = false): Promise<PoolRow[]> {
    const rows = await this.db.query<PoolRow>(
      includeClosed
        ? 'SELECT * FROM pools ORDER BY created_at'
        : "SELECT * FROM pools WHERE state <> 'closed' ORDER BY created_at",
    );
    return rows.map(num);
  }

  async get(id: string): Promise<PoolRow> {
    const r = await this.db.query<PoolRow>('SELECT * FROM pools WHERE id = $1', [id]);
    if (!r[0]) throw notFound(`no pool ${id}; list pools with \`pool_list\``);
    return num(r[0]);
  }

  /** A pool by id or by name. */
  async find(ref: string): Promise<PoolRow> {
    const r = await this.db.query<PoolRow>(
      "SELECT * FROM pools WHERE id = $1 OR (name = $1 AND state <> 'closed') ORDER BY created_at DESC",
      [ref],
    );
    if (!r[0]) throw notFound(`no pool with id or name "${ref}"; list pools with \`pool_list\``);
    return num(r[0]);
  }

  /**
   * Set the desired size; with `from`, only if it is still `from` (autoscale on several hosts: a
   * host that decided on a size another host or a scale has changed since does not overwrite it).
   */
  async setDesired(id: string, desired: number, from?: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE pools SET desired = $1, updated_at = $2 WHERE id = $3 AND state = 'active'${from === undefined ? '' : ' AND desired = $4'} RETURNING id`,
      from === undefined ? [desired, Date.now(), id] : [desired, Date.now(), id, from],
    );
    return rows.length > 0;
  }

  /**
   * New bounds and autoscale, and the desired size clamped into the new bounds in the same
   * statement (so a concurrent scale or autoscale pass cannot leave it outside them).
   */
  async update(id: string, min: number, max: number, autoscale: boolean): Promise<void> {
    const problem = boundsProblem(min, max);
    if (problem) throw invalid(problem);
    await this.db.query(
      `UPDATE pools SET min_workers = $1, max_workers = $2, autoscale = $3,
         desired = CASE WHEN desired < $1 THEN $1 WHEN desired > $2 THEN $2 ELSE desired END, updated_at = $4
       WHERE id = $5 AND state = 'active'`,
      [min, max, autoscale ? 1 : 0, Date.now(), id],
    );
  }

  /** active → closing (→ closed once drained); never back. */
  async markClosing(id: string, force: boolean): Promise<void> {
    await this.db.query(
      "UPDATE pools SET state = 'closing', force_close = $1, updated_at = $2 WHERE id = $3 AND state IN ('active', 'closing')",
      [force ? 1 : 0, Date.now(), id],
    );
  }

  async markClosed(id: string): Promise<void> {
    await this.db.tx(async (t) => {
      await t.query(
        "UPDATE pools SET state = 'closed', updated_at = $1 WHERE id = $2 AND state <> 'closed'",
        [Date.now(), id],
      );
      await t.query('DELETE FROM pool_members WHERE pool_id = $1', [id]);
      await t.query('DELETE FROM pool_slots WHERE pool_id = $1', [id]);
    });
  }

  async reportMember(m: MemberRow): Promise<void> {
    await this.db.query(
      `INSERT INTO pool_members (pool_id, owner, host, pid, starting, idle, busy, draining, steps_done, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (pool_id, owner) DO UPDATE SET starting = $5, idle = $6, busy = $7, draining = $8,
         steps_done = $9, heartbeat_at = $10`,
      [
        m.pool_id,
        m.owner,
        m.host,
        m.pid,
        m.starting,
        m.idle,
        m.busy,
        m.draining,
        m.steps_done,
        m.heartbeat_at,
      ],
    );
  }

  async removeMember(poolId: string, owner: string): Promise<void> {
    await this.db.query('DELETE FROM pool_members WHERE pool_id = $1 AND owner = $2', [poolId, owner]);
  }

  /** Forget processes that stopped reporting long ago (dead hosts). */
  async pruneMembers(olderThanMs: number): Promise<void> {
    await this.db.query('DELETE FROM pool_members WHERE heartbeat_at < $1', [Date.now() - olderThanMs]);
  }

  /** Members that reported within `freshMs` (others are dead hosts, shown nowhere). */
  async members(poolId: string, freshMs: number): Promise<MemberRow[]> {
    const rows = await this.db.query<MemberRow>(
      'SELECT * FROM pool_members WHERE pool_id = $1 AND heartbeat_at >= $2 ORDER BY owner',
      [poolId, Date.now() - freshMs],
    );
    return rows.map((r) => ({
      ...r,
      pid: Number(r.pid),
      starting: Number(r.starting),
      idle: Number(r.idle),
      busy: Number(r.busy),
      draining: Number(r.draining),
      steps_done: Number(r.steps_done),
      heartbeat_at: Number(r.heartbeat_at),
    }));
  }
}
