import { randomUUID } from 'node:crypto';
import { AppError, conflict, invalid, notFound } from '../errors.js';
import type { Role } from '../principal.js';
import type { Db } from '../sql/db.js';
import { IssuedTokens } from './issued-tokens.js';
import { MIN_PASSWORD, type User, type UserCreateInput, usernameProblem } from './schemas.js';

interface UserRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string | null;
  disabled: number;
  created_at: number;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  role: r.role,
  has_password: r.password_hash !== null,
  disabled: Number(r.disabled) === 1,
  created_at: new Date(Number(r.created_at)).toISOString(),
});

/** Passwords are hashed with argon2id (OWASP's first choice); argon2 is loaded only when used. */
async function hashPassword(password: string): Promise<string> {
  const argon2 = await import('argon2');
  return argon2.hash(password, { type: argon2.argon2id });
}

export class Users {
  private readonly changeListeners: Array<(usernames: readonly string[] | 'all') => Promise<void> | void> =
    [];

  /** The record of minted tokens (jti, user, minted_by, expiry, single revocations). */
  readonly tokens: IssuedTokens;

  constructor(private readonly db: Db) {
    this.tokens = new IssuedTokens(db);
  }

  /**
   * Run fn after a change to what a token check reads (role, disabled, revocation), so caches of
   * it (PrincipalCache) forget the users. Every method that changes those calls changed().
   */
  onChange(fn: (usernames: readonly string[] | 'all') => Promise<void> | void): void {
    this.changeListeners.push(fn);
  }

  protected async changed(usernames: readonly string[] | 'all'): Promise<void> {
    for (const fn of this.changeListeners) await fn(usernames);
  }

  async create(input: UserCreateInput): Promise<User> {
    // auth_create_user's schema refuses these first; the store guards its rows against any other caller
    const problem = usernameProblem(input.username);
    if (problem) throw invalid(problem);
    if (input.password !== undefined && input.password.length < MIN_PASSWORD) {
      throw invalid(
        `password is too short: use at least ${MIN_PASSWORD} characters, or omit it for a token-only user`,
      );
    }
    const hash = input.password === undefined ? null : await hashPassword(input.password);
    const now = Date.now();
    const id = randomUUID();
    try {
      await this.db.query(
        'INSERT INTO users (id, username, role, password_hash, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, $5)',
        [id, input.username, input.role, hash, now],
      );
    } catch (e) {
      if (e instanceof AppError && e.code === 'conflict') {
        throw conflict(`user "${input.username}" already exists; pick another username or list users first`);
      }
      throw e;
    }
    return toUser({
      id,
      username: input.username,
      role: input.role,
      password_hash: hash,
      disabled: 0,
      created_at: now,
    });
  }

  async list(): Promise<User[]> {
    const rows = await this.db.query<UserRow>(
      'SELECT id, username, role, password_hash, disabled, created_at FROM users ORDER BY username',
    );
    return rows.map(toUser);
  }

  async get(username: string): Promise<User | undefined> {
    const rows = await this.db.query<UserRow>(
      'SELECT id, username, role, password_hash, disabled, created_at FROM users WHERE username = $1',
      [username],
    );
    return rows[0] && toUser(rows[0]);
  }

  /**
   * What a token check needs of its user, in one read: role, disabled, the time before which its
   * tokens are refused, and its unexpired tokens revoked one by one.
   */
  async tokenState(username: string): Promise<
    | {
        role: Role;
        disabled: boolean;
        tokens_not_before: number | null;
        revoked_jtis: string[];
      }
    | undefined
  > {
    const rows = await this.db.query<{ role: Role; disabled: number; tokens_not_before: number | null }>(
      'SELECT role, disabled, tokens_not_before FROM users WHERE username = $1',
      [username],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      role: r.role,
      disabled: Number(r.disabled) === 1,
      tokens_not_before: r.tokens_not_before === null ? null : Number(r.tokens_not_before),
      revoked_jtis: await this.tokens.revokedJtis(username),
    };
  }

  /** Disable (every token of the user is refused at once, sign-in too) or enable a user. */
  async setDisabled(username: string, disabled: boolean): Promise<User> {
    const rows = await this.db.query<{ username: string }>(
      'UPDATE users SET disabled = $1, updated_at = $2 WHERE username = $3 RETURNING username',
      [disabled ? 1 : 0, Date.now(), username],
    );
    if (rows.length === 0)
      throw notFound(`user "${username}" does not exist; list users with \`auth_list_users\``);
    await this.changed([username]);
    return (await this.get(username))!;
  }

  /** Refuse one token (by jti) at once; returns its record. */
  async revokeToken(jti: string, by: string) {
    const t = await this.tokens.get(jti);
    if (!t) throw notFound(`no token with id ${jti} was minted here; list tokens with \`auth_list_tokens\``);
    await this.tokens.revoke(jti, by);
    await this.changed([t.username]);
    return { token: (await this.tokens.get(jti))!, already: t.revoked_at !== null };
  }

  /**
   * Refuse every token issued to these users (all users when none are named) before `notBefore`
   * (epoch ms, a whole second: token `iat` claims are in seconds). Returns the usernames affected.
   */
  async revokeTokens(
    notBefore: number,
    usernames?: readonly string[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    const affected = await this.db.tx(async (t) => {
      const rows = await t.query<{ username: string }>('SELECT username FROM users ORDER BY username');
      const known = rows.map((r) => r.username);
      const target = usernames?.length ? [...new Set(usernames)] : known;
      const unknown = target.filter((u) => !known.includes(u));
      if (unknown.length > 0)
        throw notFound(
          `user(s) ${unknown.join(', ')} do not exist; list them with \`auth_list_users\` and name existing ones`,
        );
      if (!usernames?.length)
        await t.query('UPDATE users SET tokens_not_before = $1, updated_at = $2', [notBefore, Date.now()]);
      else
        for (const u of target) {
          // cancelled: the transaction rolls back, so no user is left half revoked
          signal?.throwIfAborted();
          await t.query('UPDATE users SET tokens_not_before = $1, updated_at = $2 WHERE username = $3', [
            notBefore,
            Date.now(),
            u,
          ]);
        }
      signal?.throwIfAborted();
      return target;
    });
    await this.changed(usernames?.length ? affected : 'all');
    return affected;
  }

  /** How many users can log in with a password (the hashes themselves never leave the store). */
  async countWithPassword(): Promise<number> {
    const rows = await this.db.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM users WHERE password_hash IS NOT NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  async verifyPassword(username: string, password: string): Promise<boolean> {
    const rows = await this.db.query<UserRow>(
      'SELECT password_hash, disabled FROM users WHERE username = $1',
      [username],
    );
    const row = rows[0];
    if (!row?.password_hash || Number(row.disabled) === 1) return false;
    const argon2 = await import('argon2');
    return argon2.verify(row.password_hash, password);
  }
}
