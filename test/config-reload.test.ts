import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/compose/open-core.js';
import { reloadSettings } from '../src/core/config/reload.js';
import type { Core } from '../src/core/core.js';
import { toolByName } from '../src/tools/index.js';
import { invoke } from '../src/tools/invoke.js';
import { admin } from './helpers/core.js';
import { tempDir } from './helpers/tmp.js';

const gauge = async (core: Core, name: string) =>
  (await core.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values[0]?.value;

describe('config reload: all at once or not at all', () => {
  const tmp = tempDir();
  const settings = join(tmp.path, 'settings');
  const write = (yaml: string) =>
    writeFileSync(
      join(settings, 'mahavishnu.yaml'),
      `data:\n  dir: ${JSON.stringify(tmp.path)}\nlog:\n  level: silent\n${yaml}`,
    );
  let core: Core;
  const reload = toolByName.get('config_reload')!;

  beforeAll(async () => {
    mkdirSync(settings, { recursive: true });
    write('server:\n  port: 8181\npolicy:\n  read_only: false\n');
    core = await openCore({ dir: settings });
  });
  afterAll(async () => {
    await core.close();
    tmp.remove();
  });

  it('starts with the reload gauges set (successful = 1)', async () => {
    expect(await gauge(core, 'mahavishnu_config_last_reload_successful')).toBe(1);
    expect(await gauge(core, 'mahavishnu_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('refuses an invalid file whole: the old settings stay and every problem is reported', async () => {
    write('server:\n  port: 9191\n  prot: 1\npolicy:\n  read_only: maybe\n');
    const err = (await invoke(reload, {}, { core, principal: admin }).catch((e) => e)) as {
      message: string;
      details: { problems: string[] };
    };
    expect(err).toMatchObject({ code: 'invalid_input' });
    expect(err.message).toContain('server.prot');
    expect(err.message).toContain('policy.read_only');
    expect(err.details.problems.length).toBeGreaterThanOrEqual(2);
    // nothing of the bad file applied, not even its valid part
    expect(core.config.server.port).toBe(8181);
    expect(core.config.policy.read_only).toBe(false);
    expect(await gauge(core, 'mahavishnu_config_last_reload_successful')).toBe(0);
  });

  it('applies a valid change at once and reports what needs a restart instead of pretending', async () => {
    write(
      'server:\n  port: 9191\npolicy:\n  read_only: true\nadapters:\n  search:\n    type: http\n    base_url: http://127.0.0.1:9\n',
    );
    const before = await gauge(core, 'mahavishnu_config_last_reload_success_timestamp_seconds');
    const out = await reloadSettings(core);
    expect(out).toMatchObject({ applied: true, problems: [] });
    expect(out.changed).toEqual(expect.arrayContaining(['policy.read_only', 'adapters.search']));
    expect(out.restart_required).toEqual(['server.port']);
    expect(core.config.policy.read_only).toBe(true);
    expect(core.config.server.port).toBe(8181);
    expect(core.adapters.names()).toContain('search');
    expect(await gauge(core, 'mahavishnu_config_last_reload_successful')).toBe(1);
    expect(
      await gauge(core, 'mahavishnu_config_last_reload_success_timestamp_seconds'),
    ).toBeGreaterThanOrEqual(before ?? 0);
    // read_only is in force: a mutating tool is refused now
    await expect(
      invoke(
        toolByName.get('auth_create_user')!,
        { username: 'late', role: 'viewer' },
        { core, principal: admin },
      ),
    ).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('read-only') });
  });
});
