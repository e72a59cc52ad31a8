import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The machine's PostgreSQL (trust auth). Override with MAHAVISHNU_TEST_PG. */
// biome-ignore lint/style/noProcessEnv: test-only location of the real PostgreSQL
export const PG_ADMIN_URL = process.env.MAHAVISHNU_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A new, empty database for one test file; drop() removes it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mv_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
