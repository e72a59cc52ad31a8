import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { exampleSettings } from './example.js';
import { tryLoadConfig } from './load.js';

describe('settings', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('layers mahavishnu.yaml < local.yaml < MAHAVISHNU_<GROUP>__<FIELD>', () => {
    writeFileSync(
      join(tmp.path, 'mahavishnu.yaml'),
      'server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: warn\n',
    );
    writeFileSync(join(tmp.path, 'local.yaml'), 'server:\n  port: 9001\n');
    const { loaded, problems } = tryLoadConfig({
      dir: tmp.path,
      env: { MAHAVISHNU_LOG__LEVEL: 'debug', MAHAVISHNU_POLICY__DISABLED_TOOLS: '[backup, pool_close]' },
    });
    expect(problems).toEqual([]);
    expect(loaded?.config.server).toMatchObject({ port: 9001, host: '0.0.0.0' });
    expect(loaded?.config.log.level).toBe('debug');
    expect(loaded?.config.policy.disabled_tools).toEqual(['backup', 'pool_close']);
    expect(loaded?.config.database.url).toBe('');
  });

  it('reports every problem with its key path, unknown keys included, from files and the environment', () => {
    const f = join(tmp.path, 'bad.yaml');
    writeFileSync(f, 'server:\n  prot: 1\ndatabase:\n  pool_max: many\nnope: {}\n');
    const { loaded, problems } = tryLoadConfig({ file: f, env: { MAHAVISHNU_CACHE__BACKEND: 'memcached' } });
    expect(loaded).toBeUndefined();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.prot: unknown key \(did you mean "port"\?\)/),
        expect.stringMatching(/^database\.pool_max: /),
        expect.stringMatching(/^nope: unknown key/),
        expect.stringMatching(/^cache\.backend: /),
      ]),
    );
  });

  it('says what replaced a removed key (cache.ttl)', () => {
    const f = join(tmp.path, 'old.yaml');
    writeFileSync(f, 'cache:\n  ttl: 3600\n  max_size: 1000\n');
    const { problems } = tryLoadConfig({ file: f, env: {} });
    expect(problems).toEqual([
      expect.stringMatching(/^cache\.ttl: removed: .*cache\.health_ttl_s.*delete the line$/),
    ]);
  });

  it('reports a YAML syntax error with the file name', () => {
    const f = join(tmp.path, 'broken.yaml');
    writeFileSync(f, 'server: [unclosed\n');
    const { problems } = tryLoadConfig({ file: f, env: {} });
    expect(problems[0]).toContain('broken.yaml');
  });

  it('ships settings/mahavishnu.yaml with every key (regenerate: mahavishnu config example)', () => {
    const shipped = readFileSync(new URL('../../../settings/mahavishnu.yaml', import.meta.url), 'utf8');
    expect(shipped).toBe(exampleSettings());
    const { problems } = tryLoadConfig({
      file: new URL('../../../settings/mahavishnu.yaml', import.meta.url).pathname,
      env: {},
    });
    expect(problems).toEqual([]);
  });
});
