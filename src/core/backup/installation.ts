import { randomUUID } from 'node:crypto';
import type { Db } from '../sql/db.js';

/**
 * The id of this installation (its state store), made on first use. Archives carry it, so a
 * restore can tell a backup of this installation from another's; restores never change it
 * (the table is not state, see schema-info.ts).
 */
export async function installationId(db: Db): Promise<string> {
  const have = await db.query<{ id: string }>('SELECT id FROM installation ORDER BY created_at, id LIMIT 1');
  if (have[0]) return have[0].id;
  await db.query('INSERT INTO installation (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    randomUUID(),
    Date.now(),
  ]);
  // two processes may race the first insert: whichever row exists is the id
  const rows = await db.query<{ id: string }>('SELECT id FROM installation ORDER BY created_at, id LIMIT 1');
  return rows[0]!.id;
}
