import type { Db, Param } from '../sql/db.js';
import { quote } from './schema-info.js';

const RANK: Record<string, number> = { viewer: 0, operator: 1, admin: 2 };
const rank = (role: unknown) => RANK[String(role)] ?? -1;

export interface MergedUsers {
  /** Live users whose role went down or who became disabled because the archive had it so. */
  tightened: string[];
  /** Users only in the archive: they come back disabled, for an admin to enable on purpose. */
  added_disabled: string[];
}

interface UserRow {
  id: string;
  username: string;
  role: string;
  disabled: number;
  tokens_not_before: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const later = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * Users are merged, never rolled back: a live user keeps its password and stays as restrictive
 * as it is live, narrowed further where the archive is narrower (the lower role, disabled if
 * either is, the later token revocation); a user only in the archive comes back disabled, so a
 * restore never re-opens an account an operator removed. Users created after the backup stay.
 */
export async function mergeUsers(t: Db, archived: Record<string, Param>[]): Promise<MergedUsers> {
  const out: MergedUsers = { tightened: [], added_disabled: [] };
  if (archived.length === 0) return out;
  const live = await t.query<UserRow>('SELECT id, username, role, disabled, tokens_not_before FROM users');
  const byId = new Map(live.map((u) => [u.id, u]));
  const byName = new Map(live.map((u) => [u.username, u]));
  for (const a of archived) {
    const have = byId.get(String(a.id)) ?? byName.get(String(a.username));
    if (have) {
      const role = rank(a.role) >= 0 && rank(a.role) < rank(have.role) ? String(a.role) : have.role;
      const disabled = Number(have.disabled) === 1 || Number(a.disabled) === 1 ? 1 : 0;
      const nbf = later(num(have.tokens_not_before), num(a.tokens_not_before));
      if (role !== have.role || disabled !== Number(have.disabled) || nbf !== num(have.tokens_not_before)) {
        await t.query(
          'UPDATE users SET role = $2, disabled = $3, tokens_not_before = $4, updated_at = $5 WHERE id = $1',
          [have.id, role, disabled, nbf, Date.now()],
        );
        out.tightened.push(have.username);
      }
      continue;
    }
    const names = Object.keys(a);
    const row = { ...a, disabled: 1 };
    await t.query(
      `INSERT INTO users (${names.map(quote).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
      names.map((n) => row[n as keyof typeof row] as Param),
    );
    out.added_disabled.push(String(a.username));
  }
  return out;
}
