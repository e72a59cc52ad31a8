import { randomBytes } from 'node:crypto';
import { freshDatabase } from './pg.js';
import { startTestServer } from './server.js';

/**
 * cache settings for the machine's Redis (or `url`) under a key prefix of the test's own, so test
 * files never see each other's keys; servers given the same value share the cache like replicas.
 */
export const redisCache = (extra: Record<string, unknown> = {}, url = 'redis://127.0.0.1:6379') => ({
  backend: 'redis',
  redis_url: url,
  key_prefix: `mv-test-${randomBytes(6).toString('hex')}:`,
  ...extra,
});

/**
 * Two servers (replicas) on one fresh PostgreSQL database and one Redis key space, with the same
 * settings besides; stop() stops both and drops the database.
 */
export async function twoReplicas(
  settings: Record<string, unknown> = {},
  cache: Record<string, unknown> = {},
) {
  const db = await freshDatabase();
  const all = { ...settings, database: { url: db.url }, cache: redisCache(cache) };
  const a = await startTestServer(all);
  const b = await startTestServer(all);
  return {
    a,
    b,
    stop: async () => {
      await b.stop();
      await a.stop();
      await db.drop();
    },
  };
}
