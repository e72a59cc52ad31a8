import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSettings } from '../../test/helpers/backup.js';
import { admin, testCore, viewer } from '../../test/helpers/core.js';
import { tempDir } from '../../test/helpers/tmp.js';
import type { Core } from '../core/core.js';
import { toolByName } from '../tools/index.js';
import { invoke } from '../tools/invoke.js';
import { incidentFacts } from './incident.js';

const call = (core: Core, tool: string, input: Record<string, unknown>, principal = admin) =>
  invoke(toolByName.get(tool)!, input, { core, principal });

/** The facts each incident prompt gathers are the ones that decide its branches. */
describe('incident prompt facts', () => {
  const archives = tempDir('mahavishnu-facts-');
  let core: Core;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite', backupSettings(archives.path)));
  });
  afterAll(async () => {
    await cleanup();
    archives.remove();
  });

  it('data-corruption: the newest backup, the newest verified one and its age against the RPO', async () => {
    const none = (await incidentFacts(core, 'data-corruption')).backups;
    expect(none).toMatchObject({ count: 0, newest: null, newest_verified: null, verified_within_rpo: false });
    expect(String((none as { next_step: string }).next_step)).toContain('backup_create');

    const older = await core.backups.create({ type: 'full' });
    await core.backups.verify(older.id);
    const newer = await core.backups.create({ type: 'full' });
    const facts = (await incidentFacts(core, 'data-corruption')).backups as Record<string, unknown>;
    // the newest was never read back; the one to restore is the verified one
    expect(facts).toMatchObject({
      count: 2,
      newest: { id: newer.id, last_verified: null },
      newest_verified: { id: older.id, last_verified: expect.any(String) },
      rpo_hours: 24,
      verified_within_rpo: true,
    });
    const age = (facts.newest_verified as { age_hours: number }).age_hours;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(1);
    expect(facts).not.toHaveProperty('next_step');
  });

  it('security-incident: refused calls and the revocations that ran, not their dry runs', async () => {
    const refused = await call(
      core,
      'pool_spawn',
      { type: 'mahavishnu', name: 'x', min: 1, max: 2 },
      viewer,
    ).catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'forbidden' });
    await core.users.create({ username: 'mallory', role: 'operator' });
    await call(core, 'security_rotate_secrets', { revoke_tokens: true, users: ['mallory'], dry_run: true });
    expect(
      ((await incidentFacts(core, 'security-incident')).security as { recent_revocations: unknown[] })
        .recent_revocations,
    ).toEqual([]);
    await call(core, 'security_rotate_secrets', { revoke_tokens: true, users: ['mallory'] });
    const sec = (await incidentFacts(core, 'security-incident')).security as Record<string, unknown[]>;
    expect(sec.refused_calls_in_last_200_audit_records).toContainEqual(
      expect.objectContaining({ principal: viewer.username, tool: 'pool_spawn', code: 'forbidden' }),
    );
    expect(sec.recent_revocations).toEqual([
      expect.objectContaining({
        principal: admin.username,
        tool: 'security_rotate_secrets',
        input: expect.objectContaining({ users: ['mallory'] }),
      }),
    ]);
  });

  it('outage: store reachability, adapter error rates, breakers, pools vs capacity and backups together', async () => {
    await call(core, 'pool_spawn', { type: 'mahavishnu', name: 'prod', min: 1, max: 4 });
    const f = await incidentFacts(core, 'outage');
    expect(f.state_store).toMatchObject({ reachable: true });
    expect(f.breakers).toContainEqual(expect.objectContaining({ name: 'main', state: 'closed' }));
    expect(f.errors).toHaveProperty('adapters_last_5m');
    expect(f.pool_saturation).toMatchObject({ pools: { prod: { desired: 1, max: 4, queue_depth: 0 } } });
    expect(f.backups).toMatchObject({ count: 2 });
  });

  it('a fact the store cannot give says so, and the others are still there', async () => {
    const list = core.backups.list.bind(core.backups);
    core.backups.list = async () => {
      throw new Error('the state store is unavailable');
    };
    try {
      const f = await incidentFacts(core, 'outage');
      expect(f.backups).toEqual({ unavailable: 'the state store is unavailable' });
      expect(f.pool_saturation).toHaveProperty('pools');
    } finally {
      core.backups.list = list;
    }
  });
});
