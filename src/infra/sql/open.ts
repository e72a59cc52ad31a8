import { resolve } from 'node:path';
import type { Config } from '../../core/config/schema.js';
import type { Db } from '../../core/sql/db.js';
import { ReconnectingDb } from './reconnecting.js';
import { SqliteDb } from './sqlite.js';

/** The state store the settings select: PostgreSQL when database.url is set, else the embedded file. */
export async function openDb(config: Config): Promise<Db> {
  const url = config.database.url;
  if (url) {
    // loaded on use: the embedded store (the default) need not pay for the driver's import
    const { PostgresDb } = await import('./postgres.js');
    const connectTimeout = config.database.connect_timeout_s;
    const db: ReconnectingDb = new ReconnectingDb(
      () =>
        PostgresDb.open(url, {
          max: config.database.pool_max,
          connectTimeout,
          onClose: () => db.connectionClosed(),
        }),
      { probe: () => PostgresDb.probe(url, connectTimeout), afterMs: connectTimeout * 1000 },
    );
    return db;
  }
  return new ReconnectingDb(() => new SqliteDb(resolve(config.data.dir, 'mahavishnu.db')));
}
