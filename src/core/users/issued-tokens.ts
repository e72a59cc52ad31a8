import type { Db, Param } from '../sql/db.js';
import type { IssuedToken } from './schemas.js';

interface Row {
  jti: string;
  username: string;
  kid: string;
  minted_by: string;
  issued_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  revoked_by: string | null;
}

const COLS = 'jti, username, kid, minted_by, issued_at, expires_at, revoked_at, revoked_by';
const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

const toToken = (r: Row): IssuedToken => ({
  jti: r.jti,
  username: r.username,
  kid: r.kid,
  minted_by: r.minted_by,
  issued_at: iso(r.issued_at),
  expires_at: iso(r.expires_at),
  revoked_at: r.revoked_at === null ? null : iso(r.revoked_at),
  revoked_by: r.revoked_by,
});

export interface TokenFilter {
  username?: string | undefined;
  /** Only tokens still usable: not expired, not revoked alone (a per-user revocation is the caller's to apply). */
  live?: boolean;
  limit?: number;
}

/**
 * The record of every minted token (table issued_tokens): its id, user, signing key, who minted
 * it and until when, never the token. A revoked row refuses that token alone; plans count the
 * live rows to say how many tokens a revocation stops.
 */
export class IssuedTokens {
  constructor(private readonly db: Db) {}

  async record(
    t: Omit<IssuedToken, 'revoked_at' | 'revoked_by' | 'issued_at' | 'expires_at'> & {
      issuedAt: number;
      expiresAt: number;
    },
  ): Promise<void> {
    await this.db.query(
      'INSERT INTO issued_tokens (jti, username, kid, minted_by, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [t.jti, t.username, t.kid, t.minted_by, t.issuedAt, t.expiresAt],
    );
  }

  async get(jti: string): Promise<IssuedToken | undefined> {
    const rows = await this.db.query<Row>(`SELECT ${COLS} FROM issued_tokens WHERE jti = $1`, [jti]);
    return rows[0] && toToken(rows[0]);
  }

  async list(f: TokenFilter = {}): Promise<IssuedToken[]> {
    const where: string[] = [];
    const args: Param[] = [];
    if (f.username !== undefined) {
      args.push(f.username);
      where.push(`username = $${args.length}`);
    }
    if (f.live) {
      args.push(Date.now());
      where.push(`expires_at > $${args.length} AND revoked_at IS NULL`);
    }
    args.push(f.limit ?? 1000);
    const rows = await this.db.query<Row>(
      `SELECT ${COLS} FROM issued_tokens ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at DESC, jti LIMIT $${args.length}`,
      args,
    );
    return rows.map(toToken);
  }

  /** The unexpired tokens of a user revoked one by one (what a token check refuses besides the per-user time). */
  async revokedJtis(username: string, db: Db = this.db): Promise<string[]> {
    const rows = await db.query<{ jti: string }>(
      'SELECT jti FROM issued_tokens WHERE username = $1 AND revoked_at IS NOT NULL AND expires_at > $2',
      [username, Date.now()],
    );
    return rows.map((r) => r.jti);
  }

  /** Mark one token revoked; false when it was already. */
  async revoke(jti: string, by: string): Promise<boolean> {
    const rows = await this.db.query<{ jti: string }>(
      'UPDATE issued_tokens SET revoked_at = $1, revoked_by = $2 WHERE jti = $3 AND revoked_at IS NULL RETURNING jti',
      [Date.now(), by, jti],
    );
    return rows.length > 0;
  }
}
