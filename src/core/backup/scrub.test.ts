import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { scrubbedSettings } from './scrub.js';

describe('settings copied into a backup', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('keep their shape but lose every secret value', () => {
    const file = join(tmp.path, 'local.yaml');
    writeFileSync(
      file,
      [
        'database:',
        '  url: postgres://app:hunter2@db.internal:5432/mahavishnu',
        'cache:',
        '  redis_url: redis://:redispw@cache:6379',
        'backup:',
        '  signing_key: sign-me-0123456789abcdef0123456789',
        '  encryption_key: seal-me-0123456789abcdef0123456789',
        '  bucket: mahavishnu-backups',
        'server:',
        '  port: 8080',
      ].join('\n'),
    );
    const [out] = scrubbedSettings([file]);
    const text = out!.content.toString();
    for (const secret of ['hunter2', 'redispw', 'sign-me', 'seal-me']) expect(text).not.toContain(secret);
    expect(text).toContain('postgres://app:[removed]@db.internal:5432/mahavishnu');
    expect(text).toContain('bucket: mahavishnu-backups');
    expect(text).toContain('port: 8080');
    expect(out!.name).toBe('local.yaml');
  });
});
