import { expect } from 'vitest';
import type { Core } from '../core/core.js';

export interface Fixture {
  /** Prepare state the valid call needs (runs once, before every tool's tests). */
  setup?: (core: Core) => Promise<void>;
  /** An input that must succeed when called by an admin. */
  valid: Record<string, unknown>;
  /** Further assertions on the result. */
  check?: (out: unknown) => void;
  /** Runs after every other tool (it replaces the whole state, e.g. a restore). */
  last?: boolean;
}

/** Backups made by the backup fixtures' setup, read by their `valid` getters. */
const backupIds: Record<string, string> = {};
const TEST_KEY = 'fixture-signing-key-0123456789abcdef';

async function withBackup(core: Core, name: string): Promise<void> {
  const c = core.config;
  if (!c.backup.signing_key)
    core.applySettings({
      ...core.settings,
      config: { ...c, backup: { ...c.backup, signing_key: TEST_KEY, encryption_key: TEST_KEY } },
    });
  backupIds[name] = (await core.backups.create({ type: 'full' })).id;
}
const pool = (core: Core, name: string, min = 0, max = 4) =>
  core.pools.store.create({ name, type: 'mahavishnu', min, max, autoscale: false });
/** Inputs that name state made in setup (filled in by it). */
const logsInput = { id: '' };
const cancelInput = { id: '' };

/** One entry per tool in TOOLS: add yours with the tool. */
export const FIXTURES: Record<string, Fixture> = {
  auth_create_user: {
    valid: { username: 'fixture.user', role: 'operator' },
    check: (out) => expect(out).toMatchObject({ user: { username: 'fixture.user', role: 'operator' } }),
  },
  auth_create_token: {
    setup: async (core) => {
      await core.users.create({ username: 'token.user', role: 'viewer' });
    },
    valid: { username: 'token.user', ttl: '5m' },
    check: (out) =>
      expect(out).toMatchObject({ username: 'token.user', token: expect.stringMatching(/^ey/) }),
  },
  auth_list_users: {
    setup: async (core) => {
      await core.users.create({ username: 'listed.user', role: 'viewer' });
    },
    valid: {},
    check: (out) =>
      expect((out as { users: { username: string }[] }).users.map((u) => u.username)).toContain(
        'listed.user',
      ),
  },
  security_rotate_jwt_secret: {
    valid: {},
    check: (out) => expect(out).toMatchObject({ kid: expect.any(String), revoked: [] }),
  },
  security_rotate_secrets: {
    valid: {},
    check: (out) =>
      expect(out).toMatchObject({
        kid: expect.any(String),
        secrets: expect.arrayContaining([
          expect.objectContaining({ secret: 'token signing key', action: 'rotated' }),
        ]),
      }),
  },
  audit_verify: { valid: {}, check: (out) => expect(out).toMatchObject({ ok: true }) },
  audit_list: { valid: { limit: 5 } },
  config_validate: { valid: {}, check: (out) => expect(out).toMatchObject({ valid: true }) },
  config_reload: { valid: {}, check: (out) => expect(out).toMatchObject({ applied: true }) },
  adapter_list: {
    valid: {},
    check: (out) => expect(out).toMatchObject({ adapters: [{ name: 'main', state: 'closed' }] }),
  },
  adapter_restart: {
    valid: { name: 'main' },
    check: (out) => expect(out).toMatchObject({ adapter: 'main', closed: true, state: 'closed' }),
  },
  ecosystem_restart_database: {
    valid: {},
    check: (out) => expect(out).toMatchObject({ restarted: ['state_store', 'cache'] }),
  },
  validate_production: {
    valid: {},
    check: (out) => expect((out as { checks: unknown[] }).checks.length).toBeGreaterThan(5),
  },
  backup_create: {
    setup: (core) => withBackup(core, 'create'),
    valid: { type: 'full' },
    check: (out) => expect((out as { id: string }).id).toMatch(/^backup_\d{8}_\d{6}/),
  },
  backup_list: {
    valid: {},
    check: (out) => expect((out as { backups: unknown[] }).backups.length).toBeGreaterThan(0),
  },
  backup_verify: {
    setup: (core) => withBackup(core, 'verify'),
    get valid() {
      return { backup_id: backupIds.verify };
    },
    check: (out) => expect(out).toMatchObject({ ok: true }),
  },
  backup_prune: { valid: { keep_last: 100 }, check: (out) => expect(out).toMatchObject({ deleted: [] }) },
  backup_restore: {
    last: true,
    setup: (core) => withBackup(core, 'restore'),
    get valid() {
      return { backup_id: backupIds.restore };
    },
    check: (out) => expect(out).toMatchObject({ backup_id: backupIds.restore }),
  },
  dr_check: { valid: {}, check: (out) => expect(out).toMatchObject({ ok: true }) },
  dr_recover: {
    last: true,
    setup: (core) => withBackup(core, 'recover'),
    get valid() {
      return { backup: backupIds.recover };
    },
    check: (out) => expect(out).toMatchObject({ ok: true }),
  },
  pool_list: {
    setup: async (core) => {
      await pool(core, 'listed');
    },
    valid: {},
    check: (out) =>
      expect((out as { pools: { name: string }[] }).pools.map((p) => p.name)).toContain('listed'),
  },
  pool_status: {
    setup: async (core) => {
      await pool(core, 'shown');
    },
    valid: { pool: 'shown' },
    check: (out) => expect(out).toMatchObject({ name: 'shown', state: 'active', members: [] }),
  },
  pool_spawn: {
    valid: { type: 'mahavishnu', name: 'spawned', min: 0, max: 3 },
    check: (out) => expect(out).toMatchObject({ name: 'spawned', min: 0, max: 3, desired: 0 }),
  },
  pool_scale: {
    setup: async (core) => {
      await pool(core, 'scaled', 0, 5);
    },
    valid: { pool: 'scaled', target: '+2' },
    check: (out) => expect(out).toMatchObject({ desired: 2 }),
  },
  pool_close: {
    setup: async (core) => {
      await pool(core, 'closed');
    },
    valid: { pool: 'closed' },
    check: (out) => expect(out).toMatchObject({ state: 'closed' }),
  },
  workflow_list: {
    valid: {},
    check: (out) =>
      expect((out as { workflows: { name: string }[] }).workflows.map((w) => w.name)).toContain('hello'),
  },
  workflow_run: {
    setup: async (core) => {
      await pool(core, 'default');
      logsInput.id = (
        await core.workflows.run({ name: 'hello', params: {}, timeout_ms: 1000, retries: 0 }, 'fx')
      ).id;
      cancelInput.id = (
        await core.workflows.run({ name: 'hello', params: {}, timeout_ms: 1000, retries: 0 }, 'fx')
      ).id;
    },
    valid: { name: 'hello', params: { who: 'fixture' } },
    check: (out) =>
      expect(out).toMatchObject({ workflow: 'hello', state: 'queued', params: { who: 'fixture' } }),
  },
  workflow_status: { valid: {} },
  workflow_logs: { valid: logsInput },
  workflow_cancel: {
    valid: cancelInput,
    check: (out) => expect(out).toMatchObject({ state: 'cancelled' }),
  },
};
