import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { externalSecrets } from './secrets.js';

describe('externalSecrets', () => {
  it('lists every secret kept outside the store with the step to rotate it, never its value', () => {
    const config = ConfigSchema.parse({
      backup: { signing_key: 'sign-me-0123456789abcdef0123456789', store: 's3' },
      database: { url: 'postgres://app:db-pass-hunter2@db.example:5432/mv' },
      cache: { backend: 'redis', redis_url: 'redis://:redis-pass-xyzzy@cache.example:6379' },
      adapters: {
        llamaindex: { type: 'http', base_url: 'http://svc:adapter-pass-plugh@engine.example:8000' },
      },
    });
    const out = externalSecrets(config);
    const by = Object.fromEntries(out.map((s) => [s.secret, s]));
    expect(Object.keys(by)).toEqual([
      'backup.signing_key',
      'backup.encryption_key',
      'database.url password',
      'cache.redis_url password',
      'adapters.llamaindex.base_url password',
      'backup S3 credentials',
    ]);
    expect(by['backup.signing_key']).toMatchObject({ action: 'external' });
    expect(by['backup.encryption_key']).toMatchObject({ action: 'not_rotated' });
    expect(by['database.url password']!.detail).toContain('ALTER ROLE "app"');
    expect(by['database.url password']!.detail).toContain('MAHAVISHNU_DATABASE__URL');
    expect(by['cache.redis_url password']!.detail).toContain('MAHAVISHNU_CACHE__REDIS_URL');
    expect(by['adapters.llamaindex.base_url password']!.detail).toContain(
      '`adapter_restart {"name":"llamaindex"}`',
    );
    const text = JSON.stringify(out);
    for (const secret of ['sign-me-0123', 'hunter2', 'xyzzy', 'plugh']) expect(text).not.toContain(secret);
  });

  it('leaves out URLs without a password and a Redis URL the memory cache does not use', () => {
    const config = ConfigSchema.parse({
      database: { url: 'postgres://app@db.example:5432/mv' },
      cache: { backend: 'memory', redis_url: 'redis://:unused-pass@cache.example:6379' },
    });
    expect(externalSecrets(config).map((s) => s.secret)).toEqual([
      'backup.signing_key',
      'backup.encryption_key',
    ]);
  });
});
