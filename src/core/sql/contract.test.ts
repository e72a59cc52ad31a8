import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, type StoreKind, testCore } from '../../../test/helpers/core.js';
import type { Core } from '../core.js';
import { migrate } from './migrations.js';

/** One contract, run against every store implementation. */
describe.each<StoreKind>(['sqlite', 'postgres'])('state store contract (%s)', (kind) => {
  let core: Core;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore(kind));
  });
  afterAll(async () => cleanup());

  it('applies migrations once; a second run applies nothing', async () => {
    expect(await migrate(core.db)).toEqual([]);
    const rows = await core.db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => Number(r.version))).toContain(1);
  });

  it('creates and lists users, sorted, without secrets', async () => {
    await core.users.create({ username: 'zed', role: 'viewer' });
    await core.users.create({ username: 'amy', role: 'admin', password: 'correct horse battery' });
    // only this test's users: others in this file create their own
    const users = (await core.users.list()).filter((u) => ['amy', 'zed'].includes(u.username));
    expect(users.map((u) => [u.username, u.role, u.has_password])).toEqual([
      ['amy', 'admin', true],
      ['zed', 'viewer', false],
    ]);
    expect(JSON.stringify(users)).not.toContain('correct horse');
    expect(await core.users.verifyPassword('amy', 'correct horse battery')).toBe(true);
    expect(await core.users.verifyPassword('amy', 'wrong password!!')).toBe(false);
  });

  it('refuses a duplicate username with conflict', async () => {
    await core.users.create({ username: 'twice', role: 'viewer' });
    await expect(core.users.create({ username: 'twice', role: 'admin' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('rolls a failed transaction back whole', async () => {
    await expect(
      core.db.tx(async (t) => {
        await t.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', ['k1', 'v', 1]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await core.db.query('SELECT * FROM kv WHERE key = $1', ['k1'])).toEqual([]);
  });

  it('reads numbers back as numbers and reuses a placeholder', async () => {
    await core.db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $1, $2)', [
      'same',
      1_700_000_000_123,
    ]);
    const rows = await core.db.query<{ value: string; updated_at: number }>(
      'SELECT * FROM kv WHERE key = $1',
      ['same'],
    );
    expect(rows[0]).toMatchObject({ value: 'same', updated_at: 1_700_000_000_123 });
  });

  it('chains audit records, even when appended concurrently, and verifies them', async () => {
    const before = (await core.audit.verify()).records;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        core.audit.append({ callId: `c${i}`, phase: 'begin', principal: admin, tool: 'x_y', input: { i } }),
      ),
    );
    const v = await core.audit.verify();
    expect(v).toMatchObject({ ok: true, records: before + 20, first_bad_seq: null });
  });

  it('refuses to update or delete audit records (append-only)', async () => {
    await core.audit.append({ callId: 'ro', phase: 'begin', principal: admin, tool: 'x_y', input: {} });
    const [{ seq }] = (await core.db.query<{ seq: number }>('SELECT MAX(seq) AS seq FROM audit_log')) as [
      { seq: number },
    ];
    await expect(core.db.query("UPDATE audit_log SET tool = 'evil' WHERE seq = $1", [seq])).rejects.toThrow(
      /append-only/,
    );
    await expect(core.db.query('DELETE FROM audit_log WHERE seq = $1', [seq])).rejects.toThrow(/append-only/);
  });

  it('detects a tampered audit record', async () => {
    // a store of its own: the guard is dropped here, and the other tests need it
    const own = await testCore(kind);
    try {
      for (let i = 0; i < 6; i++)
        await own.core.audit.append({
          callId: `t${i}`,
          phase: 'begin',
          principal: admin,
          tool: 'x_y',
          input: { i },
        });
      // bypass the append-only guard the way an attacker with database access would
      if (kind === 'postgres') {
        await own.core.db.exec(
          "ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET input = '{}' WHERE seq = 5",
        );
      } else {
        await own.core.db.exec(
          "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET input = '{}' WHERE seq = 5",
        );
      }
      const v = await own.core.audit.verify();
      expect(v).toMatchObject({ ok: false, first_bad_seq: 5 });
      expect(v.reason).toMatch(/altered/);
    } finally {
      await own.cleanup();
    }
  });
});
