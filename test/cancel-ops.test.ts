import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Core } from '../src/core/core.js';
import { toolByName } from '../src/tools/index.js';
import { invoke } from '../src/tools/invoke.js';
import { admin, testCore } from './helpers/core.js';

/** A "Redis" that accepts connections and never answers: every wait on it lasts until a timeout. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const tool = (name: string) => toolByName.get(name)!;

/** Call a tool, abort its signal after `after` ms (or at once), and return its error and how long it ran on after the abort. */
async function cancelCall(core: Core, name: string, input: object, after?: number) {
  const ac = new AbortController();
  let abortedAt = 0;
  const abort = () => {
    abortedAt = Date.now();
    ac.abort();
  };
  const call = invoke(tool(name), input, { core, principal: admin, signal: ac.signal }).then(
    () => {
      throw new Error(`${name} finished although it was cancelled`);
    },
    (e: unknown) => e as { code: string; message: string; details?: Record<string, unknown> },
  );
  if (after === undefined) abort();
  else setTimeout(abort, after);
  const err = await call;
  return { err, ranOn: Date.now() - abortedAt };
}

/**
 * Cancellation of the operator tools that wait or loop (issue 14): each stops within a second
 * of the abort, leaves a consistent state and says what was and was not done.
 */
describe('cancelled operator tools stop and say what they did', () => {
  let core: Core;
  let dir: string;
  let cleanup: () => Promise<void>;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
    ({ core, dir, cleanup } = await testCore('sqlite', {
      cache: { enabled: true, backend: 'redis', redis_url: `redis://127.0.0.1:${silent.port}` },
    }));
  });
  afterAll(async () => {
    await cleanup?.();
    await silent?.close();
  });

  it('ecosystem_restart_database: cancelled while the new cache connection waits on a silent Redis', async () => {
    // uncancelled, this call waits ~4 s on the cache (connect and ready-check timeouts)
    const { err, ranOn } = await cancelCall(core, 'ecosystem_restart_database', {}, 300);
    expect(ranOn).toBeLessThan(2000);
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(
      /^cancelled: done: state store connections restarted; cache connection replaced/,
    );
    expect(err.message).toContain('not done: the health check of state_store and cache');
    // the state store answers on its new connections
    await expect(invoke(tool('audit_list'), { limit: 1 }, { core, principal: admin })).resolves.toBeTruthy();
  });

  it('validate_production: cancelled in the password-guess loop (50 users, a whole argon2 hash per guess)', async () => {
    await core.users.create({ username: 'u00', role: 'viewer', password: 'a long and unguessable one' });
    for (let i = 1; i < 50; i++)
      await core.db.query(
        "INSERT INTO users (id, username, role, password_hash, disabled, created_at, updated_at) SELECT $1, $2, role, password_hash, 0, created_at, updated_at FROM users WHERE username = 'u00'",
        [`id-u${i}`, `u${String(i).padStart(2, '0')}`],
      );
    const { err, ranOn } = await cancelCall(core, 'validate_production', {}, 300);
    expect(ranOn).toBeLessThan(2000);
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(
      /done: checks settings_valid \(pass\), settings_permissions \(pass\), http_auth/,
    );
    expect(err.message).toContain('nothing was changed');
    expect(err.message).toMatch(/not done: checks secrets, state_store, backup_recent, backup_storage/);
  });

  it('security_rotate_secrets: cancelled before it changes anything leaves keys and tokens as they were', async () => {
    const keys = await core.keys.list();
    const { err } = await cancelCall(core, 'security_rotate_secrets', {
      revoke_tokens: true,
      users: ['u01', 'u02'],
    });
    expect(err.code).toBe('timeout');
    expect(err.message).toBe(
      'cancelled: nothing was done. not done: the revocation of the tokens issued to u01, u02; the signing key rotation',
    );
    expect(await core.keys.list()).toEqual(keys);
    expect((await core.users.tokenState('u01'))?.tokens_not_before).toBeNull();
  });

  it('config_reload: cancelled before its turn, the running settings stay', async () => {
    const level = core.config.log.level;
    const raw = { data: { dir }, log: { level: 'error' }, cache: core.config.cache };
    writeFileSync(join(dir, 'mahavishnu.yaml'), stringify(raw));
    const { err } = await cancelCall(core, 'config_reload', {});
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(
      /^cancelled: nothing was done\. not done: the reload: the running settings stay/,
    );
    expect(core.config.log.level).toBe(level);
  });
});
