import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../principal.js';
import type { Db } from '../sql/db.js';
import type { AuditEntry, AuditPhase, AuditVerifyResult } from './schemas.js';

interface AuditRow {
  seq: number;
  ts: number;
  call_id: string;
  phase: string;
  principal: string;
  role: string;
  transport: string;
  tool: string;
  input: string;
  outcome: string | null;
  error_code: string | null;
  token_id: string | null;
  prev_hash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);
const FIELDS =
  'seq, ts, call_id, phase, principal, role, transport, tool, input, outcome, error_code, token_id, prev_hash, hash';

/** The hash of a record covers every field and the previous record's hash: editing any breaks the chain. */
function hashOf(r: Omit<AuditRow, 'hash'>): string {
  const body = JSON.stringify([
    Number(r.seq),
    Number(r.ts),
    r.call_id,
    r.phase,
    r.principal,
    r.role,
    r.transport,
    r.tool,
    r.input,
    r.outcome,
    r.error_code,
    // records written before tokens were named keep the hash they were written with
    ...(r.token_id === null || r.token_id === undefined ? [] : [r.token_id]),
  ]);
  return createHash('sha256').update(r.prev_hash).update('\n').update(body).digest('hex');
}

/** Append-only, hash-chained audit log. Writers serialize on a lock so the chain has one head. */
export class AuditLog {
  constructor(private readonly db: Db) {}

  newCallId(): string {
    return randomUUID();
  }

  async append(e: {
    callId: string;
    phase: AuditPhase;
    principal: Principal;
    tool: string;
    input: unknown;
    outcome?: string;
    errorCode?: string;
  }): Promise<void> {
    await this.db.tx(async (t) => {
      await t.lock('audit_log');
      const head = (
        await t.query<{ seq: number; hash: string }>(
          'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
        )
      )[0];
      const row = {
        seq: Number(head?.seq ?? 0) + 1,
        ts: Date.now(),
        call_id: e.callId,
        phase: e.phase,
        principal: e.principal.username,
        role: e.principal.role,
        transport: e.principal.transport,
        tool: e.tool,
        input: JSON.stringify(e.input ?? null),
        outcome: e.outcome ?? null,
        error_code: e.errorCode ?? null,
        token_id: e.principal.tokenId ?? null,
        prev_hash: head?.hash ?? GENESIS,
      };
      const hash = hashOf(row);
      await t.query(
        `INSERT INTO audit_log (${FIELDS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
        [
          row.seq,
          row.ts,
          row.call_id,
          row.phase,
          row.principal,
          row.role,
          row.transport,
          row.tool,
          row.input,
          row.outcome,
          row.error_code,
          row.token_id,
          row.prev_hash,
          hash,
        ],
      );
    });
  }

  async list(opts: {
    limit: number;
    tool?: string | undefined;
    principal?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
  }): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (sql: string, v: string | number) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (opts.tool) add('tool = ?', opts.tool);
    if (opts.principal) add('principal = ?', opts.principal);
    if (opts.since) add('ts >= ?', Date.parse(opts.since));
    if (opts.until) add('ts <= ?', Date.parse(opts.until));
    params.push(opts.limit);
    const rows = await this.db.query<AuditRow>(
      `SELECT ${FIELDS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      ts: new Date(Number(r.ts)).toISOString(),
      call_id: r.call_id,
      phase: r.phase as AuditPhase,
      principal: r.principal,
      role: r.role,
      transport: r.transport,
      tool: r.tool,
      input: JSON.parse(r.input),
      outcome: r.outcome,
      error_code: r.error_code,
      token_id: r.token_id ?? null,
      hash: r.hash,
    }));
  }

  /** Walk the whole chain in pages, recomputing each hash and link. */
  async verify(): Promise<AuditVerifyResult> {
    let prev = GENESIS;
    let expectSeq = 1;
    let records = 0;
    const page = 1000;
    for (;;) {
      const rows = await this.db.query<AuditRow>(
        `SELECT ${FIELDS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        [expectSeq, page],
      );
      for (const r of rows) {
        const seq = Number(r.seq);
        const bad = (reason: string): AuditVerifyResult => ({
          ok: false,
          records,
          head: prev,
          first_bad_seq: seq,
          reason,
        });
        if (seq !== expectSeq) return bad(`record ${expectSeq} is missing (next is ${seq})`);
        if (r.prev_hash !== prev) return bad(`record ${seq} does not link to record ${seq - 1}`);
        if (hashOf(r) !== r.hash) return bad(`record ${seq} was altered after it was written`);
        prev = r.hash;
        expectSeq++;
        records++;
      }
      if (rows.length < page) break;
    }
    return { ok: true, records, head: records ? prev : null, first_bad_seq: null, reason: null };
  }
}
