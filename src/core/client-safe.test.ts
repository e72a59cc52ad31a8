import { describe, expect, it } from 'vitest';
import { clientSafeError, clientSafeText } from './client-safe.js';
import { AppError } from './errors.js';

describe('clientSafeText', () => {
  it('drops absolute server paths, connection URLs and stack lines; keeps routes, http URLs and resource URIs', () => {
    const out = clientSafeText(
      'no workflow named x in /srv/mahavishnu/workflows; store postgres://app:pw@db.internal:5432/prod and ' +
        'redis://:secret@cache:6379/0 down\n    at Object.<anonymous> (/work/app/dist/x.js:1:2)\n    at run (node:internal)',
    );
    expect(out).toBe(
      'no workflow named x in <server path>; store <connection URL> and <connection URL> down',
    );
    const kept = clientSafeText(
      'sign in at http://127.0.0.1:8080/approvals/abc, read runbook://incident-response and mahavishnu://health; POST /api/v1/tools/x',
    );
    expect(kept).toContain('http://127.0.0.1:8080/approvals/abc');
    expect(kept).toContain('runbook://incident-response');
    expect(kept).toContain('/api/v1/tools/x');
    expect(clientSafeText('see https://user:pw@example.com/x')).toBe('see https://example.com/x');
    expect(clientSafeText('a ratio 1/2 and and/or stay')).toBe('a ratio 1/2 and and/or stay');
  });

  it('sanitises details too, and returns the same error when nothing changes', () => {
    const clean = new AppError('not_found', 'no such pool');
    expect(clientSafeError(clean)).toBe(clean);
    const dirty = clientSafeError(
      new AppError('unavailable', 'store at /var/lib/x/db.sqlite', { where: ['/etc/mahavishnu/local.yaml'] }),
    );
    expect(dirty.toJSON()).toMatchObject({
      code: 'unavailable',
      message: 'store at <server path>',
      where: ['<server path>'],
    });
  });
});

describe('clientSafeText on store locations', () => {
  it('hides the embedded store file behind its scheme', () => {
    expect(clientSafeText('sqlite:/var/lib/mahavishnu/mahavishnu.db')).toBe('sqlite:<server path>');
  });
});
