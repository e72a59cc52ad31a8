import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit.js';
import type { Config } from '../config/schema.js';
import { AppError, forbidden, notFound } from '../errors.js';
import type { Plan } from '../plan.js';
import { type Principal, roleAllows } from '../principal.js';
import type { Db } from '../sql/db.js';
import type { Approval, ApprovalState } from './schemas.js';

interface Row {
  id: string;
  tool: string;
  args_hash: string;
  fingerprint: string;
  input: string;
  requester: string;
  requester_role: string;
  transport: string;
  state: ApprovalState;
  plan: string;
  impact: string | null;
  created_at: number;
  expires_at: number;
  decided_by: string | null;
  decided_at: number | null;
  used_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function toApproval(r: Row, now = Date.now()): Approval {
  // a pending or approved request past its time is expired, whether or not a sweep wrote it yet
  const expired = (r.state === 'pending' || r.state === 'approved') && Number(r.expires_at) <= now;
  return {
    id: r.id,
    tool: r.tool,
    input: JSON.parse(r.input),
    requester: r.requester,
    requester_role: r.requester_role,
    transport: r.transport,
    state: expired ? 'expired' : r.state,
    plan: JSON.parse(r.plan),
    impact: r.impact === null ? null : JSON.parse(r.impact),
    created_at: iso(r.created_at)!,
    expires_at: iso(r.expires_at)!,
    decided_by: r.decided_by,
    decided_at: iso(r.decided_at),
    used_at: iso(r.used_at),
  };
}

/** What a use of an approval must match: the call being made now. */
export interface Binding {
  tool: string;
  argsHash: string;
  fingerprint: string;
  principal: Principal;
}

const COLS =
  'id, tool, args_hash, fingerprint, input, requester, requester_role, transport, state, plan, impact, created_at, expires_at, decided_by, decided_at, used_at';

/**
 * Human approvals of destructive calls, in the state store so every replica and the host CLI see
 * the same ones. An approval is bound to the tool, a hash of its arguments, the requester and the
 * fingerprint of the state its plan was computed from, and is used at most once. Every request,
 * decision and use is in the audit log.
 */
export class Approvals {
  /** The approval page's base URL when approvals.public_url is empty (set by the HTTP server). */
  baseUrl = '';

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly settings: () => Config['approvals'],
  ) {}

  urlOf(id: string): string {
    const base = (this.settings().public_url || this.baseUrl).replace(/\/+$/, '');
    return `${base}/approvals/${id}`;
  }

  async request(o: {
    tool: string;
    input: unknown;
    argsHash: string;
    fingerprint: string;
    plan: Plan;
    principal: Principal;
    callId: string;
  }): Promise<Approval> {
    const now = Date.now();
    const id = `apr_${randomBytes(16).toString('base64url')}`;
    const row: Row = {
      id,
      tool: o.tool,
      args_hash: o.argsHash,
      fingerprint: o.fingerprint,
      input: JSON.stringify(o.input ?? null),
      requester: o.principal.username,
      requester_role: o.principal.role,
      transport: o.principal.transport,
      state: 'pending',
      plan: JSON.stringify(o.plan.steps),
      impact: o.plan.impact ? JSON.stringify(o.plan.impact) : null,
      created_at: now,
      expires_at: now + this.settings().lifetime_seconds * 1000,
      decided_by: null,
      decided_at: null,
      used_at: null,
    };
    // audited first: a request that cannot be audited is not made
    await this.audit.append({
      callId: o.callId,
      phase: 'approval_requested',
      principal: o.principal,
      tool: o.tool,
      input: { approval_id: id, requester: row.requester, args: o.input },
    });
    await this.db.query(
      `INSERT INTO approvals (${COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
      [
        row.id,
        row.tool,
        row.args_hash,
        row.fingerprint,
        row.input,
        row.requester,
        row.requester_role,
        row.transport,
        row.state,
        row.plan,
        row.impact,
        row.created_at,
        row.expires_at,
        null,
        null,
        null,
      ],
    );
    return toApproval(row, now);
  }

  private async row(id: string): Promise<Row | undefined> {
    return (await this.db.query<Row>(`SELECT ${COLS} FROM approvals WHERE id = $1`, [id]))[0];
  }

  async get(id: string): Promise<Approval> {
    const r = await this.row(id);
    if (!r) throw notFound(`no approval ${id}; list them with \`mahavishnu approval list\``);
    return toApproval(r);
  }

  /** Newest first; `pending` shows only the ones waiting for a decision. */
  async list(o: { pending?: boolean; limit?: number } = {}): Promise<Approval[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLS} FROM approvals ${o.pending ? "WHERE state = 'pending' AND expires_at > $2" : 'WHERE $2 = $2'} ORDER BY created_at DESC LIMIT $1`,
      [o.limit ?? 100, Date.now()],
    );
    return rows.map((r) => toApproval(r));
  }

  /**
   * A human's decision. Only a pending, unexpired request can be decided, once (a replayed form
   * post finds it decided); the approver needs the tool's role (the requester's role is what the
   * tool needed) and, with approvals.separate_approver, must be someone else.
   */
  async decide(id: string, approver: Principal, decision: 'approved' | 'denied'): Promise<Approval> {
    const current = await this.get(id);
    if (current.state !== 'pending')
      throw new AppError(
        'conflict',
        `approval ${id} is ${current.state}, not pending: it cannot be decided again`,
      );
    if (decision === 'approved') {
      if (!roleAllows(approver.role, current.requester_role as Principal['role']))
        throw forbidden(
          `approving ${current.tool} needs role ${current.requester_role} or higher; ${approver.username} has role ${approver.role}`,
        );
      if (this.settings().separate_approver && approver.username === current.requester)
        throw forbidden(
          `approvals.separate_approver is on: ${approver.username} requested ${id} and cannot approve it; ask another user`,
        );
    }
    const now = Date.now();
    const done = await this.db.query<{ id: string }>(
      "UPDATE approvals SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'pending' AND expires_at > $3 RETURNING id",
      [decision, approver.username, now, id],
    );
    if (done.length === 0)
      throw new AppError('conflict', `approval ${id} was decided or expired meanwhile; reload it`);
    await this.audit.append({
      callId: id,
      phase: decision,
      principal: approver,
      tool: current.tool,
      input: { approval_id: id, requester: current.requester, approver: approver.username },
    });
    return this.get(id);
  }

  /**
   * Use an approval for the call being made: refused unless it was approved, is unexpired, unused
   * and bound to this tool, these arguments, this requester and this state. Marks it used in the
   * same guarded UPDATE, so two calls racing with one approval cannot both run.
   */
  async consume(id: string, b: Binding, callId: string): Promise<Approval | 'pending'> {
    const r = await this.row(id);
    // invoke audits the refusal with the call's other refusals
    const refuse = (why: string): never => {
      throw forbidden(
        `approval ${id} is refused: ${why}. Call again without approval_id to request a new one`,
      );
    };
    if (!r) return refuse('no such approval');
    const a = toApproval(r);
    if (a.state === 'pending') return 'pending';
    if (a.state === 'used') return refuse(`it was already used at ${a.used_at}`);
    if (a.state === 'denied') return refuse(`${a.decided_by} denied it`);
    if (a.state === 'expired') return refuse(`it expired at ${a.expires_at}`);
    if (r.tool !== b.tool) return refuse(`it was granted for ${r.tool}, not ${b.tool}`);
    if (r.args_hash !== b.argsHash) return refuse('it was granted for other arguments');
    if (r.requester !== b.principal.username)
      return refuse(`it was granted to ${r.requester}, not ${b.principal.username}`);
    if (r.fingerprint !== b.fingerprint)
      return refuse('the state changed since the plan was approved (the plan it showed is out of date)');
    const now = Date.now();
    const used = await this.db.query<{ id: string }>(
      "UPDATE approvals SET state = 'used', used_at = $1 WHERE id = $2 AND state = 'approved' AND expires_at > $1 RETURNING id",
      [now, id],
    );
    if (used.length === 0) return refuse('it was used or expired meanwhile');
    await this.audit.append({
      callId,
      phase: 'approval_used',
      principal: b.principal,
      tool: b.tool,
      input: { approval_id: id, requester: r.requester, approver: r.decided_by },
    });
    return { ...a, state: 'used', used_at: new Date(now).toISOString() };
  }
}
