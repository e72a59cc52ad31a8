import { randomUUID } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';

// loaded on first use: most starts (the CLI, mcp start) sign and verify nothing
const jose = () => import('jose');

import { isAppError } from '../errors.js';
import type { Db } from '../sql/db.js';
import type { KeyRotation } from './schemas.js';

/** Tokens are signed with Ed25519 (EdDSA): small keys, fast, no parameter choices to get wrong. */
export const ALG = 'EdDSA';

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  created_at: string;
  retired_at: string | null;
  revoked: boolean;
  active: boolean;
}

interface KeyRow {
  kid: string;
  alg: string;
  public_key: string;
  private_key: string;
  created_at: number;
  retired_at: number | null;
  revoked: number;
}

interface Loaded {
  row: KeyRow;
  publicKey: CryptoKey;
}

/**
 * The token signing keys, kept in the state store (table signing_keys) so every replica and the
 * CLI share them. The newest key that is neither retired nor revoked signs; every key that is not
 * revoked verifies, so tokens minted before a rotation keep working until they expire.
 * Verification reads a copy cached for `ttlMs`, so a revocation made by another process takes
 * effect within that time (at once in this process).
 */
export class SigningKeys {
  private cache: { at: number; keys: Map<string, Loaded> } | undefined;
  private signer: { kid: string; key: CryptoKey } | undefined;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 1000,
    /** While the store is unreachable, keys read within this many ms still verify (auth.principal_stale_s). */
    private readonly staleMs: () => number = () => 0,
    /** Whether the store is known to be unreachable now: then a stale copy is used without waiting for it. */
    private readonly storeDown: () => boolean = () => false,
  ) {}

  private async load(): Promise<Map<string, Loaded>> {
    const now = Date.now();
    if (this.cache && now - this.cache.at < this.ttlMs) return this.cache.keys;
    if (this.cache && now - this.cache.at < this.staleMs() && this.storeDown()) return this.cache.keys;
    let rows: KeyRow[];
    try {
      rows = await this.db.query<KeyRow>(
        'SELECT kid, alg, public_key, private_key, created_at, retired_at, revoked FROM signing_keys WHERE revoked = 0',
      );
    } catch (e) {
      if (isAppError(e) && e.code === 'unavailable' && this.cache && now - this.cache.at < this.staleMs())
        return this.cache.keys;
      throw e;
    }
    const keys = new Map<string, Loaded>();
    for (const row of rows) {
      const old = this.cache?.keys.get(row.kid);
      const publicKey =
        old?.publicKey ??
        ((await (await jose()).importJWK(JSON.parse(row.public_key) as JWK, ALG)) as CryptoKey);
      keys.set(row.kid, { row, publicKey });
    }
    this.cache = { at: now, keys };
    return keys;
  }

  /** Forget the cached keys (after a change made in this process). */
  invalidate(): void {
    this.cache = undefined;
    this.signer = undefined;
  }

  /** The public key of a kid that may verify tokens, or undefined when unknown or revoked. */
  async verifierFor(kid: string): Promise<CryptoKey | undefined> {
    let hit = (await this.load()).get(kid);
    // a key minted by another process moments ago: look once more, fresh
    if (!hit && this.cache && Date.now() - this.cache.at > 50) {
      this.cache = undefined;
      hit = (await this.load()).get(kid);
    }
    return hit?.publicKey;
  }

  /** The key new tokens are signed with; created on first use. */
  async active(): Promise<{ kid: string; key: CryptoKey }> {
    if (this.signer) {
      // another process (the CLI, another replica) may have rotated or revoked it meanwhile
      const row = (await this.load()).get(this.signer.kid)?.row;
      if (row && row.retired_at === null) return this.signer;
      this.signer = undefined;
    }
    const row = await this.db.tx(async (t) => {
      await t.lock('signing_keys');
      const found = await t.query<KeyRow>(
        'SELECT kid, alg, public_key, private_key, created_at, retired_at, revoked FROM signing_keys WHERE retired_at IS NULL AND revoked = 0 ORDER BY created_at DESC LIMIT 1',
      );
      return found[0] ?? (await insertKey(t));
    });
    const key = (await (await jose()).importJWK(JSON.parse(row.private_key) as JWK, ALG)) as CryptoKey;
    this.signer = { kid: row.kid, key };
    return this.signer;
  }

  /**
   * Make a new key the signer. The previous signer is retired (still verifies) or, with
   * `revokePrevious`, revoked together with every older key (its tokens stop working).
   */
  async rotate(revokePrevious: boolean): Promise<KeyRotation> {
    const out = await this.db.tx(async (t) => {
      await t.lock('signing_keys');
      const now = Date.now();
      const live = await t.query<{ kid: string }>('SELECT kid FROM signing_keys WHERE revoked = 0');
      const current = await t.query<{ kid: string }>(
        'SELECT kid FROM signing_keys WHERE retired_at IS NULL AND revoked = 0',
      );
      await t.query('UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL', [now]);
      if (revokePrevious) await t.query('UPDATE signing_keys SET revoked = 1 WHERE revoked = 0');
      const row = await insertKey(t, now + 1);
      return {
        kid: row.kid,
        retired: current.map((r) => r.kid),
        revoked: revokePrevious ? live.map((r) => r.kid) : [],
      };
    });
    this.invalidate();
    return out;
  }

  /** What rotate(revokePrevious) would do, for a dry run: nothing is changed. */
  async rotationPlan(revokePrevious: boolean): Promise<string[]> {
    const keys = (await this.list()).filter((k) => !k.revoked);
    const active = keys.filter((k) => k.active).map((k) => k.kid);
    return [
      'generate a new Ed25519 key and make it sign new tokens',
      revokePrevious
        ? `revoke ${keys.length} key(s) (${keys.map((k) => k.kid).join(', ') || 'none'}): tokens they signed stop working at once`
        : `retire the current key (${active.join(', ') || 'none'}): its tokens keep working until they expire`,
    ];
  }

  /** Every key that is not revoked, as a JSON Web Key Set (public parts only). */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await this.load();
    return {
      keys: [...keys.values()].map(({ row }) => ({
        ...(JSON.parse(row.public_key) as JWK),
        kid: row.kid,
        alg: row.alg,
        use: 'sig',
      })),
    };
  }

  async list(): Promise<SigningKeyInfo[]> {
    const rows = await this.db.query<KeyRow>(
      'SELECT kid, alg, created_at, retired_at, revoked FROM signing_keys ORDER BY created_at',
    );
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      created_at: new Date(Number(r.created_at)).toISOString(),
      retired_at: r.retired_at === null ? null : new Date(Number(r.retired_at)).toISOString(),
      revoked: Number(r.revoked) === 1,
      active: r.retired_at === null && Number(r.revoked) === 0,
    }));
  }
}

async function insertKey(t: Db, now = Date.now()): Promise<KeyRow> {
  const { exportJWK, generateKeyPair } = await jose();
  const { publicKey, privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const row: KeyRow = {
    kid: randomUUID(),
    alg: ALG,
    public_key: JSON.stringify(await exportJWK(publicKey)),
    private_key: JSON.stringify(await exportJWK(privateKey)),
    created_at: now,
    retired_at: null,
    revoked: 0,
  };
  await t.query(
    'INSERT INTO signing_keys (kid, alg, public_key, private_key, created_at, retired_at, revoked) VALUES ($1, $2, $3, $4, $5, NULL, 0)',
    [row.kid, row.alg, row.public_key, row.private_key, row.created_at],
  );
  return row;
}
