import { resolve } from 'node:path';
import type { Config } from '../core/config/schema.js';
import type { Db } from '../core/store/db.js';
import { SqliteDb } from './embedded/sqlite.js';
import { PostgresDb } from './postgres/pg.js';
import { ReconnectingDb } from './reconnecting.js';

/** The state store the settings select: PostgreSQL when database.url is set, else the embedded file. */
export function openDb(config: Config): Db {
  return new ReconnectingDb(() => openStore(config));
}

function openStore(config: Config): Db {
  if (config.database.url) {
    return PostgresDb.open(config.database.url, {
      max: config.database.pool_max,
      connectTimeout: config.database.connect_timeout_s,
    });
  }
  return new SqliteDb(resolve(config.data.dir, 'mahavishnu.db'));
}
