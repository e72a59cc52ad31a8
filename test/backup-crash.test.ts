import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/compose/open-core.js';
import { ConfigSchema } from '../src/core/config/schema.js';
import { ENCRYPTION_KEY, SIGNING_KEY } from './helpers/backup.js';
import { BIN, childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const tmp = tempDir('mahavishnu-crash-');
const env = childEnv(tmp.path, {
  MAHAVISHNU_BACKUP__SIGNING_KEY: SIGNING_KEY,
  MAHAVISHNU_BACKUP__ENCRYPTION_KEY: ENCRYPTION_KEY,
});
const backups = join(tmp.path, 'backups');
const partials = () =>
  existsSync(backups) ? readdirSync(backups).filter((n) => n.includes('.partial-')) : [];
/** Sealed entries wait in a spool file in the data folder until the manifest is signed. */
const spools = () => readdirSync(tmp.path).filter((n) => n.includes('.spool-'));
const listed = () => JSON.parse(cli(['backup', 'list', '--json'], env).stdout).backups as { id: string }[];

/** A store big enough that a backup is still being written when the test kills it. */
beforeAll(async () => {
  const config = ConfigSchema.parse({ data: { dir: tmp.path }, log: { level: 'silent' } });
  const core = await openCore({ loaded: { config, sources: [], dir: tmp.path } });
  const value = 'x'.repeat(400);
  await core.db.tx(async (t) => {
    for (let i = 0; i < 150_000; i += 500) {
      const rows = Array.from({ length: 500 }, (_, j) => i + j);
      await t.query(
        `INSERT INTO kv (key, value, updated_at) VALUES ${rows.map((_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`).join(', ')}`,
        rows.flatMap((n) => [`key-${n}`, `${value}${n}`, n]),
      );
    }
  });
  await core.close();
}, 60_000);
afterAll(() => tmp.remove());

describe('a backup killed half-way (SIGKILL)', () => {
  it('leaves nothing usable listed, and the next run cleans up and succeeds', async () => {
    const child = spawn(process.execPath, [BIN, 'backup', 'create', '--type', 'full'], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    // wait until the archive is being written (its entries sealed into the spool), then kill the
    // process without warning
    await waitFor(
      'the archive to be written',
      () =>
        spools().some((n) => statSync(join(tmp.path, n)).size > 0) ||
        partials().some((n) => statSync(join(backups, n)).size > 0),
      undefined,
      5,
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(partials()).toHaveLength(1);
    expect(readdirSync(backups).filter((n) => n.endsWith('.tar.gz'))).toEqual([]);
    expect(listed()).toEqual([]);

    // the cron line's form: no terminal, plain lines, exit code 0
    const r = cli(['backup', 'create', '--type', 'full'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).not.toContain(String.fromCharCode(27));
    expect(r.stdout).toMatch(/^id: backup_\d{8}_\d{6}/m);
    expect(r.stdout).toMatch(/^cleaned_up: \["backup_\d{8}_\d{6}"\]$/m);
    expect(partials()).toEqual([]);
    expect(spools()).toEqual([]);
    const after = listed();
    expect(after).toHaveLength(1);
    expect(cli(['backup', 'verify', after[0]!.id], env).code).toBe(0);
  }, 60_000);

  it('fails with a meaningful exit code and says how to set the key when none is set', () => {
    const r = cli(['backup', 'create', '--type', 'full'], { ...env, MAHAVISHNU_BACKUP__SIGNING_KEY: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MAHAVISHNU_BACKUP__SIGNING_KEY');
  });
});
