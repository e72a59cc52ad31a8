import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

interface Report {
  failed: boolean;
  summary: string;
  checks: { name: string; status: string; reason: string }[];
}

describe('mahavishnu validate-production', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('fails a fresh install for want of a verified backup, then passes with warnings once there is one', () => {
    const fresh = cli(['validate-production', '--json'], childEnv(tmp.path));
    expect(fresh.code).toBe(1);
    const before = JSON.parse(fresh.stdout) as Report;
    expect(before.checks.find((c) => c.name === 'backup_recent')).toMatchObject({ status: 'fail' });
    expect(before.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['backup_recent']);

    const key = 'validate-production-test-key-0123456789';
    const env = childEnv(tmp.path, {
      MAHAVISHNU_BACKUP__SIGNING_KEY: key,
      MAHAVISHNU_BACKUP__ENCRYPTION_KEY: key,
    });
    const created = cli(['backup', 'create', '--type', 'full', '--json'], env);
    expect(created.code).toBe(0);
    expect(cli(['backup', 'verify', JSON.parse(created.stdout).id], env).code).toBe(0);
    const r = cli(['validate-production', '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.failed).toBe(false);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining([
        'settings_valid',
        'http_auth',
        'secrets',
        'state_store',
        'backup_recent',
        'backup_storage',
        'metrics_exposure',
      ]),
    );
    expect(byName.state_store).toMatchObject({ status: 'pass' });
    expect(byName.state_store_kind).toMatchObject({ status: 'warn' });
    expect(byName.metrics_exposure).toMatchObject({ status: 'pass' });
    for (const c of report.checks) expect(c.reason.length).toBeGreaterThan(10);
  }, 60_000);

  it('fails (exit 1) when /metrics is open beyond localhost and a user has a guessable password', () => {
    const env = childEnv(tmp.path, { MAHAVISHNU_SERVER__HOST: '0.0.0.0' });
    const created = cli(
      [
        'auth',
        'create-user',
        '--username',
        'ops.engineer',
        '--role',
        'operator',
        '--password',
        'changeme1234',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const r = cli(['validate-production', '--json'], env);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.failed).toBe(true);
    expect(report.checks.find((c) => c.name === 'metrics_exposure')).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('metrics_require_token'),
    });
    const secrets = report.checks.find((c) => c.name === 'secrets')!;
    expect(secrets).toMatchObject({ status: 'fail', reason: expect.stringContaining('ops.engineer') });
    expect(r.stdout).not.toContain('changeme1234');
  }, 60_000);
});
