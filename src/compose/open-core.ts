import { type Loaded, type LoadOptions, loadConfig } from '../core/config/load.js';
import { exposureMessage } from '../core/config/settings-file.js';
import { Core } from '../core/core.js';
import { createLogger } from '../core/log.js';
import { migrate } from '../core/sql/migrations.js';
import { connectAdapterOnUse } from '../infra/adapter-clients/lazy.js';
import { openBlobStore } from '../infra/blob/open.js';
import { openCache } from '../infra/cache/open.js';
import { openDb } from '../infra/sql/open.js';
import { SqliteDb } from '../infra/sql/sqlite.js';

/** The composition root: settings → store → migrations → core. Every face starts here. */
export async function openCore(
  opts: LoadOptions & { loaded?: Loaded; logLevel?: string } = {},
): Promise<Core> {
  const loaded = opts.loaded ?? loadConfig(opts);
  const log = createLogger(opts.logLevel ?? loaded.config.log.level);
  for (const x of loaded.exposed ?? [])
    log.warn({ file: x.file, mode: x.mode, keys: x.keys }, exposureMessage(x));
  const db = await openDb(loaded.config);
  let cache: Awaited<ReturnType<typeof openCache>>;
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied, store: db.location }, 'migrations applied');
    cache = await openCache(loaded.config);
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return new Core({
    loaded,
    db,
    log,
    cache,
    connectAdapter: connectAdapterOnUse,
    openBlobStore,
    scratchDb: (file) => new SqliteDb(file),
  });
}
