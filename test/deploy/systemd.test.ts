import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerConfig } from '../../src/core/config/schema.js';
import { DEPLOY_MARGIN_S } from '../../src/core/config/shutdown.js';
import { runBinary } from '../helpers/binaries.js';
import { ROOT, runbookText } from '../helpers/runbook.js';
import { tempDir } from '../helpers/tmp.js';

const UNIT = join(ROOT, 'deploy/systemd/mahavishnu.service');
const text = readFileSync(UNIT, 'utf8');

/** Directives of the [Service] section, each key with all its values in order. */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) current = line;
    else if (current === `[${name}]` && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      const k = line.slice(0, eq);
      out.set(k, [...(out.get(k) ?? []), line.slice(eq + 1)]);
    }
  }
  return out;
}
const service = section('Service');
const one = (k: string) => service.get(k)?.at(-1);
const seconds = (v: string | undefined) => Number(v?.replace(/s$/, ''));

// systemd-analyze checks that ExecStart exists: point a copy at this checkout's bin.
const tmp = tempDir('mahavishnu-unit-');
afterAll(() => tmp.remove());
const copy = join(tmp.path, 'mahavishnu.service');
writeFileSync(
  copy,
  text.replace('ExecStart=/usr/local/bin/mahavishnu', `ExecStart=${join(ROOT, 'bin/mahavishnu.js')}`),
);

describe('systemd unit (deploy/systemd/mahavishnu.service)', () => {
  it('starts `mahavishnu serve` from /opt/mahavishnu, whose settings the runbook edits', () => {
    expect(one('ExecStart')).toBe('/usr/local/bin/mahavishnu serve');
    expect(one('WorkingDirectory')).toBe('/opt/mahavishnu');
    expect(runbookText()).toContain('/opt/mahavishnu/settings/mahavishnu.yaml');
    expect(service.get('Environment')).toContain('MAHAVISHNU_CONFIG_DIR=/opt/mahavishnu/settings');
    expect(service.get('Environment')).toContain('MAHAVISHNU_DATA__DIR=/var/lib/mahavishnu');
  });

  it('restarts on failure, reloads with SIGHUP, stops with SIGTERM within the shutdown budget plus margin', () => {
    expect(one('Restart')).toBe('on-failure');
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(one('KillSignal')).toBe('SIGTERM');
    const budget = ServerConfig.parse({}).shutdown_budget_s;
    expect(seconds(one('TimeoutStopSec'))).toBe(budget + DEPLOY_MARGIN_S);
    expect(one('MemoryMax')).toBe('4G');
    expect(one('StandardOutput')).toBe('journal');
    expect(one('StandardError')).toBe('journal');
  });

  it('is hardened and can write only its data directory', () => {
    for (const [k, v] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      PrivateTmp: 'yes',
      ProtectHome: 'yes',
      User: 'mahavishnu',
    }))
      expect(one(k), k).toBe(v);
    expect(one('ReadWritePaths')).toBe('/var/lib/mahavishnu');
    expect(section('Install').get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('passes `systemd-analyze verify` with no warning', () => {
    const r = runBinary('systemd-analyze', ['verify', copy]);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('rates as OK (exposure ≤ 2.5) in `systemd-analyze security`', () => {
    const r = runBinary('systemd-analyze', ['security', '--offline=yes', '--threshold=25', copy]);
    expect(r.stdout).toMatch(/Overall exposure level for mahavishnu.service: \d\.\d OK/);
    expect(r.status).toBe(0);
  });
});
