import type { Db } from '../sql/db.js';

/**
 * A pool's desired size is the pool's, across hosts: slots 0..desired-1 are rows, each held by
 * one runtime under a lease, and a runtime runs as many workers as it holds slots. Each pass a
 * runtime renews its slots, gives back the ones above the desired size or above its fair share
 * (desired / live hosts, rounded up), and takes free or expired ones up to its share, so a dead
 * host's slots move to the others within a lease and `pool scale --target 10` means ten in all.
 */
export class PoolSlots {
  constructor(private readonly db: Db) {}

  /** Rebalance this runtime's slots of one pool; returns how many it holds now. */
  share(poolId: string, desired: number, owner: string, hosts: number, leaseMs: number): Promise<number> {
    const now = Date.now();
    const skip = this.db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    return this.db.tx(async (t) => {
      await t.query(
        'DELETE FROM pool_slots WHERE pool_id = $1 AND slot >= $2 AND (owner IS NULL OR owner = $3 OR lease_expires < $4)',
        [poolId, desired, owner, now],
      );
      const have = Number(
        (await t.query<{ c: number }>('SELECT COUNT(*) AS c FROM pool_slots WHERE pool_id = $1', [poolId]))[0]
          ?.c ?? 0,
      );
      if (have < desired)
        for (let i = 0; i < desired; i++)
          await t.query(
            'INSERT INTO pool_slots (pool_id, slot, owner, lease_expires) VALUES ($1, $2, NULL, NULL) ON CONFLICT DO NOTHING',
            [poolId, i],
          );
      const mine = await t.query<{ slot: number }>(
        'UPDATE pool_slots SET lease_expires = $1 WHERE pool_id = $2 AND owner = $3 AND slot < $4 RETURNING slot',
        [now + leaseMs, poolId, owner, desired],
      );
      let held = mine.length;
      const fair = Math.ceil(desired / Math.max(1, hosts));
      if (held > fair) {
        // the highest first, so the low slots stay where they are
        const extra = mine
          .map((r) => Number(r.slot))
          .sort((a, b) => b - a)
          .slice(0, held - fair);
        for (const slot of extra)
          await t.query(
            'UPDATE pool_slots SET owner = NULL, lease_expires = NULL WHERE pool_id = $1 AND slot = $2 AND owner = $3',
            [poolId, slot, owner],
          );
        held = fair;
      } else if (held < fair) {
        const taken = await t.query(
          `UPDATE pool_slots SET owner = $1, lease_expires = $2
           WHERE pool_id = $3 AND slot IN (
             SELECT slot FROM pool_slots WHERE pool_id = $3 AND slot < $4 AND (owner IS NULL OR lease_expires < $5)
             ORDER BY slot LIMIT $6 ${skip})
           RETURNING slot`,
          [owner, now + leaseMs, poolId, desired, now, fair - held],
        );
        held += taken.length;
      }
      return held;
    });
  }

  /** Slots held per runtime (owner), for `pool status`. */
  async byOwner(poolId: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ owner: string; c: number }>(
      'SELECT owner, COUNT(*) AS c FROM pool_slots WHERE pool_id = $1 AND owner IS NOT NULL AND lease_expires >= $2 GROUP BY owner',
      [poolId, Date.now()],
    );
    return new Map(rows.map((r) => [r.owner, Number(r.c)]));
  }

  /** Let go of every slot this runtime holds (it is stopping), so others take them at once. */
  async releaseAll(owner: string): Promise<void> {
    await this.db.query('UPDATE pool_slots SET owner = NULL, lease_expires = NULL WHERE owner = $1', [owner]);
  }
}
