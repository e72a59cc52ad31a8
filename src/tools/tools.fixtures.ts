import { expect } from 'vitest';
import type { Core } from '../core/core.js';

export interface Fixture {
  /** Prepare state the valid call needs (runs once, before every tool's tests). */
  setup?: (core: Core) => Promise<void>;
  /** An input that must succeed when called by an admin. */
  valid: Record<string, unknown>;
  /** Further assertions on the result. */
  check?: (out: unknown) => void;
}

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
  audit_verify: { valid: {}, check: (out) => expect(out).toMatchObject({ ok: true }) },
  audit_list: { valid: { limit: 5 } },
  config_validate: { valid: {}, check: (out) => expect(out).toMatchObject({ valid: true }) },
};
