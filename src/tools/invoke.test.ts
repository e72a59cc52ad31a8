import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admin, operator, testCore } from '../../test/helpers/core.js';
import type { Core } from '../core/core.js';
import { defineTool } from './define.js';
import { invoke } from './invoke.js';

let runs = 0;
const wipe = defineTool({
  name: 'thing_wipe',
  title: 'Wipe a thing',
  description: 'test tool',
  role: 'operator',
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  input: z.strictObject({
    name: z.string().describe('which'),
    secret_token: z.string().optional().describe('s'),
  }),
  output: z.strictObject({ wiped: z.string() }),
  plan: ({ name }) => [`delete ${name}`],
  run: ({ name }) => {
    runs++;
    return { wiped: name };
  },
});
const peek = defineTool({
  name: 'thing_peek',
  title: 'Peek',
  description: 'test tool',
  role: 'viewer',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    mode: z.enum(['ok', 'bad-output', 'crash']).default('ok').describe('how to behave'),
  }),
  output: z.strictObject({ seen: z.number() }),
  run: ({ mode }) => {
    if (mode === 'crash') throw new Error('secret internal detail: /etc/passwd');
    return (mode === 'bad-output' ? { seen: 'not a number' } : { seen: 1 }) as { seen: number };
  },
});

describe('invoke', () => {
  let core: Core;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ core, cleanup } = await testCore('sqlite'));
  });
  afterAll(async () => cleanup());

  it('in maintenance, runs only the tools declared for it; other writes are refused, reads served', async () => {
    const restore = defineTool({
      name: 'thing_restore',
      title: 'Restore',
      description: 'test tool',
      role: 'operator',
      hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
      maintenance: 'allowed',
      input: z.strictObject({}),
      output: z.strictObject({ restored: z.boolean() }),
      run: () => ({ restored: true }),
    });
    await core.maintenance.during('test restore', async () => {
      await expect(invoke(restore, {}, { core, principal: operator })).resolves.toEqual({ restored: true });
      await expect(invoke(wipe, { name: 'm' }, { core, principal: operator })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringContaining('maintenance (test restore'),
      });
      await expect(invoke(peek, {}, { core, principal: operator })).resolves.toEqual({ seen: 1 });
    });
    await expect(invoke(wipe, { name: 'm' }, { core, principal: operator })).resolves.toEqual({ wiped: 'm' });
  });

  it('dry_run returns the plan and does nothing', async () => {
    const before = runs;
    const out = await invoke(wipe, { name: 'x', dry_run: true }, { core, principal: operator });
    expect(out).toEqual({ dry_run: true, plan: ['delete x'] });
    expect(runs).toBe(before);
    await invoke(wipe, { name: 'x' }, { core, principal: operator });
    expect(runs).toBe(before + 1);
  });

  it('audits a mutating call before and after, with secrets redacted', async () => {
    await invoke(wipe, { name: 'y', secret_token: 'hunter2' }, { core, principal: admin, callId: 'call-1' });
    const records = (await core.audit.list({ limit: 10, tool: 'thing_wipe' })).filter(
      (r) => r.call_id === 'call-1',
    );
    expect(records.map((r) => r.phase).sort()).toEqual(['begin', 'end']);
    expect(JSON.stringify(records)).not.toContain('hunter2');
    expect(records.find((r) => r.phase === 'end')?.outcome).toBe('ok');
  });

  it('does not audit read-only calls', async () => {
    const before = (await core.audit.verify()).records;
    await invoke(peek, {}, { core, principal: admin });
    expect((await core.audit.verify()).records).toBe(before);
  });

  it('refuses a mutating call whose audit record cannot be written, without running it', async () => {
    const before = runs;
    const append = core.audit.append.bind(core.audit);
    core.audit.append = async () => {
      throw new Error('disk full');
    };
    try {
      await expect(invoke(wipe, { name: 'z' }, { core, principal: admin })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringContaining('audit log cannot be written'),
      });
      expect(runs).toBe(before);
    } finally {
      core.audit.append = append;
    }
  });

  it('turns an unexpected exception into internal with a reference and no detail', async () => {
    const err = (await invoke(peek, { mode: 'crash' }, { core, principal: admin, callId: 'ref-42' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({ code: 'internal' });
    expect(err.message).toContain('ref-42');
    expect(err.message).not.toContain('passwd');
  });

  it('treats output outside the schema as internal', async () => {
    await expect(invoke(peek, { mode: 'bad-output' }, { core, principal: admin })).rejects.toMatchObject({
      code: 'internal',
    });
  });

  it('counts calls by tool and outcome', async () => {
    await invoke(peek, {}, { core, principal: admin }).catch(() => {});
    const text = await core.metrics.registry.metrics();
    expect(text).toMatch(/mahavishnu_tool_calls_total\{tool="thing_peek",outcome="ok"\} \d+/);
    expect(text).toMatch(/mahavishnu_tool_calls_total\{tool="thing_peek",outcome="internal"\} \d+/);
  });

  describe('server policy', () => {
    const withPolicy = async (policy: Partial<Core['config']['policy']>, fn: () => Promise<void>) => {
      const saved = core.settings;
      core.applySettings({
        ...saved,
        config: { ...saved.config, policy: { ...saved.config.policy, ...policy } },
      });
      try {
        await fn();
      } finally {
        core.applySettings(saved);
      }
    };

    it('read_only refuses tools that are not read-only but serves read-only ones', () =>
      withPolicy({ read_only: true }, async () => {
        await expect(invoke(wipe, { name: 'a' }, { core, principal: admin })).rejects.toMatchObject({
          code: 'forbidden',
          message: expect.stringContaining('policy.read_only'),
        });
        await expect(invoke(peek, {}, { core, principal: admin })).resolves.toEqual({ seen: 1 });
      }));

    it('disable_destructive refuses destructive tools, even as a dry run', () =>
      withPolicy({ disable_destructive: true }, async () => {
        await expect(
          invoke(wipe, { name: 'a', dry_run: true }, { core, principal: admin }),
        ).rejects.toMatchObject({
          code: 'forbidden',
        });
      }));

    it('disabled_tools takes a tool name or a group', async () => {
      await withPolicy({ disabled_tools: ['thing'] }, async () => {
        await expect(invoke(peek, {}, { core, principal: admin })).rejects.toMatchObject({
          code: 'forbidden',
        });
      });
      await withPolicy({ enabled_tools: ['thing_peek'] }, async () => {
        await expect(invoke(peek, {}, { core, principal: admin })).resolves.toEqual({ seen: 1 });
        await expect(invoke(wipe, { name: 'a' }, { core, principal: admin })).rejects.toMatchObject({
          code: 'forbidden',
        });
      });
    });
  });
});
