import { describe, expect, it } from 'vitest';
import { testCore } from '../../../test/helpers/core.js';
import { validateProduction } from './checks.js';

/** The http_auth check against real settings: each case builds a core with them and runs the checklist. */
async function httpAuth(server: Record<string, unknown>) {
  const { core, cleanup } = await testCore('sqlite', { server });
  try {
    return (await validateProduction(core)).find((c) => c.name === 'http_auth');
  } finally {
    await cleanup();
  }
}

describe('validate-production http_auth', () => {
  it('passes with the default host/origin guard', async () => {
    expect(await httpAuth({})).toMatchObject({ status: 'pass' });
  });

  it('warns when the guard accepts any origin on a loopback server', async () => {
    expect(await httpAuth({ allowed_origins: ['*'] })).toMatchObject({
      status: 'warn',
      reason: expect.stringContaining('server.allowed_origins is "*"'),
    });
  });

  it('fails when the guard accepts any host on a server bound beyond loopback', async () => {
    expect(await httpAuth({ host: '0.0.0.0', allowed_hosts: ['*'] })).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('listens on 0.0.0.0 and server.allowed_hosts is "*"'),
    });
  });
});
