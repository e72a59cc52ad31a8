import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openCore } from '../../src/compose/open-core.js';
import { ConfigSchema } from '../../src/core/config/schema.js';
import type { Core } from '../../src/core/core.js';
import type { Principal } from '../../src/core/principal.js';
import { freshDatabase } from './pg.js';
import { tempDir } from './tmp.js';

export type StoreKind = 'sqlite' | 'postgres';

/** A core over a fresh embedded store or a fresh PostgreSQL database, with settings overrides. */
export async function testCore(
  kind: StoreKind = 'sqlite',
  overrides: Record<string, unknown> = {},
): Promise<{ core: Core; dir: string; cleanup: () => Promise<void> }> {
  const tmp = tempDir();
  const pg = kind === 'postgres' ? await freshDatabase() : undefined;
  const raw = {
    ...overrides,
    data: { dir: tmp.path, ...(overrides.data as object) },
    database: { ...(overrides.database as object), ...(pg ? { url: pg.url } : {}) },
    log: { level: 'silent' },
  };
  const config = ConfigSchema.parse(raw);
  // the same settings on disk, so a reload (config_reload, SIGHUP) reads back what the test set
  const file = join(tmp.path, 'mahavishnu.yaml');
  writeFileSync(file, stringify(raw));
  const core = await openCore({ loaded: { config, sources: [file], dir: tmp.path } });
  return {
    core,
    dir: tmp.path,
    // the folder goes whatever closing the core or dropping the database threw
    cleanup: async () => {
      try {
        await core.close();
        await pg?.drop();
      } finally {
        tmp.remove();
      }
    },
  };
}

export const admin: Principal = { username: 'test-admin', role: 'admin', transport: 'internal' };
export const operator: Principal = { username: 'test-operator', role: 'operator', transport: 'internal' };
export const viewer: Principal = { username: 'test-viewer', role: 'viewer', transport: 'internal' };
