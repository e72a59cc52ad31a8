import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admin, testCore } from '../../test/helpers/core.js';
import type { Core } from '../core/core.js';
import { authCreateToken } from './auth/create-token.js';
import { authCreateUser } from './auth/create-user.js';
import type { AnyTool } from './define.js';
import { TOOLS } from './index.js';
import { invoke } from './invoke.js';
import { poolSpawn } from './pool/spawn.js';
import { securityRotateSecrets } from './security/rotate-secrets.js';
import { workflowRun } from './workflow/run.js';

/** Every input rule is in the tool's schema: refused as invalid_input naming the field, before the core runs. */
describe('input rules live in the schemas', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite'));
  });
  afterAll(async () => cleanup());

  const refused = (tool: AnyTool, input: unknown) =>
    invoke(tool, input, { core, principal: admin }).then(
      () => expect.unreachable(`${tool.name} accepted ${JSON.stringify(input)}`),
      (e: { code: string; message: string }) => {
        expect(e.code).toBe('invalid_input');
        return e.message;
      },
    );

  it('pool_spawn: the name pattern is advertised and enforced', async () => {
    const name = z.toJSONSchema(poolSpawn.input).properties?.name;
    expect(typeof name === 'object' && name.pattern).toBe('^[a-z][a-z0-9_-]{0,31}$');
    for (const name of ['Prod', 'prod pool', '9lives', 'a'.repeat(33), 'x;y'])
      expect(await refused(poolSpawn, { name, min: 0, max: 1 })).toContain(
        'name: must be lower case letters',
      );
    expect(await core.pools.list(true)).toEqual([]);
  });

  it('pool_spawn: min larger than max is refused naming max', async () => {
    expect(await refused(poolSpawn, { name: 'p', min: 5, max: 2 })).toContain(
      'max: min 5 is larger than max 2; give a max of at least 5',
    );
    // the default max (4) counts too
    expect(await refused(poolSpawn, { name: 'p', min: 6 })).toContain('max: min 6 is larger than max 4');
    expect(await core.pools.list(true)).toEqual([]);
  });

  it('workflow_run: exactly one of name and command', async () => {
    expect(await refused(workflowRun, { name: 'x', command: ['echo'] })).toContain(
      'command: give either a workflow name or command',
    );
    expect(await refused(workflowRun, {})).toContain('name: name the workflow to run');
  });

  it('security_rotate_secrets: users only with revoke_tokens, also for a dry run', async () => {
    for (const dry_run of [false, true])
      expect(await refused(securityRotateSecrets, { users: ['ann'], dry_run })).toContain(
        'users: users only says whose tokens to revoke',
      );
    expect(await core.keys.list()).toEqual([]);
  });

  it('auth_create_user and auth_create_token: username characters and ttl format', async () => {
    expect(await refused(authCreateUser, { username: 'ann smith', role: 'viewer' })).toContain(
      'username: use 1–64 letters, digits',
    );
    expect(await core.users.list()).toEqual([]);
    for (const ttl of ['forever', '0s', '367d'])
      expect(await refused(authCreateToken, { username: 'ann', ttl })).toContain(
        'ttl: is not a duration up to 366d',
      );
  });
});

describe('free-text inputs have lengths', () => {
  /** Every string a tool takes is bounded (maxLength, or a pattern, format or enum) and every list has maxItems. */
  it('in every advertised input schema', () => {
    const unbounded: string[] = [];
    const walk = (s: Record<string, unknown> | undefined, path: string) => {
      if (!s || typeof s !== 'object') return;
      const bounded = ['maxLength', 'pattern', 'format', 'enum', 'const'].some((k) => k in s);
      if (s.type === 'string' && !bounded) unbounded.push(path);
      if (s.type === 'array' && !('maxItems' in s)) unbounded.push(`${path}[]`);
      for (const [k, v] of Object.entries((s.properties as object) ?? {})) walk(v, `${path}.${k}`);
      for (const k of ['items', 'additionalProperties', 'propertyNames'])
        if (s[k] && typeof s[k] === 'object') walk(s[k] as Record<string, unknown>, `${path}.${k}`);
      for (const k of ['anyOf', 'oneOf', 'allOf'])
        for (const v of (s[k] as Record<string, unknown>[]) ?? []) walk(v, path);
    };
    for (const t of TOOLS) walk(z.toJSONSchema(t.input, { io: 'input' }) as Record<string, unknown>, t.name);
    expect(unbounded).toEqual([]);
  });
});
