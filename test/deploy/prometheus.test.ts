import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runBinary } from '../helpers/binaries.js';
import { ROOT } from '../helpers/runbook.js';

const DIR = join(ROOT, 'deploy/prometheus');
/** promtool in deploy/prometheus; a missing promtool fails the test, saying how to install it. */
const promtool = (...args: string[]) => runBinary('promtool', args, { cwd: DIR });

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rules: Rule[] = parse(readFileSync(join(DIR, 'mahavishnu.yml'), 'utf8')).groups.flatMap(
  (g: { rules: Rule[] }) => g.rules,
);
const rule = (name: string) => rules.find((r) => r.alert === name)!;

/** GitHub-style anchor of a Markdown heading. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

describe('Prometheus rules (deploy/prometheus)', () => {
  it('`promtool check rules` accepts the alert rules', () => {
    const r = promtool('check', 'rules', 'mahavishnu.yml');
    expect(r.stdout + r.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('`promtool test rules` passes the rule unit tests', () => {
    const r = promtool('test', 'rules', 'mahavishnu.test.yml');
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('`promtool check config` accepts the example scrape config', () => {
    const r = promtool('check', 'config', 'prometheus.yml');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const config = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8'));
    expect(config.scrape_configs.map((s: { job_name: string }) => s.job_name)).toContain('mahavishnu');
    expect(config.rule_files).toContain('mahavishnu.yml');
  });

  it('has the runbook alert table and what this implementation adds', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'MahavishnuAdapterErrorRate',
      'MahavishnuBackupStale',
      'MahavishnuCircuitBreakerOpen',
      'MahavishnuConfigReloadFailed',
      'MahavishnuHighErrorRate',
      'MahavishnuHighLatency',
      'MahavishnuPoolExhausted',
      'MahavishnuServiceDown',
      'MahavishnuTooManyActiveWorkflows',
    ]);
    // the spec's own rule, verbatim
    expect(rule('MahavishnuServiceDown')).toMatchObject({ expr: 'up{job="mahavishnu"} == 0', for: '1m' });
    expect(rule('MahavishnuHighLatency').expr).toMatch(/histogram_quantile\(0\.95,[\s\S]*\) > 1\s*$/);
    expect(rule('MahavishnuHighLatency').for).toBe('5m');
    expect(rule('MahavishnuHighErrorRate').expr).toMatch(/> 0\.05\s*$/);
    expect(rule('MahavishnuHighErrorRate').for).toBe('5m');
    expect(rule('MahavishnuTooManyActiveWorkflows').expr).toMatch(/> 100$/);
    expect(rule('MahavishnuTooManyActiveWorkflows').for).toBe('10m');
  });

  const runbooks = join(ROOT, 'runbooks');
  it('gives every alert a severity, a summary and a runbook_url of the form runbook://<name>#<section>', () => {
    for (const r of rules) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.runbook_url, r.alert).toMatch(/^runbook:\/\/[a-z0-9-]+#[a-z0-9-]+$/);
    }
  });

  it('is the alert table of runbooks/monitoring-alerting.md: same alerts, `for` and severity', () => {
    const table = readFileSync(join(runbooks, 'monitoring-alerting.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| Mahavishnu\w+ \|/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(table.map((c) => c[1]).sort()).toEqual(rules.map((r) => r.alert).sort());
    for (const [, alert, firesWhen, forDuration, severity] of table) {
      expect(rule(alert!).for, alert).toBe(forDuration);
      expect(rule(alert!).labels.severity, alert).toBe(severity);
      if (alert === 'MahavishnuServiceDown') expect(firesWhen).toBe(`\`${rule(alert).expr}\``);
    }
  });

  it('points every runbook_url at a runbooks/ file and one of its headings', () => {
    for (const r of rules) {
      const [, name, section] = r.annotations.runbook_url!.match(/^runbook:\/\/([a-z0-9-]+)#([a-z0-9-]+)$/)!;
      const file = join(runbooks, `${name}.md`);
      expect(existsSync(file), `${r.alert}: no ${file}`).toBe(true);
      const headings = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /^#{1,6} /.test(l))
        .map((l) => slug(l.replace(/^#+ /, '')));
      expect(headings, `${r.alert}: no heading #${section} in ${name}.md`).toContain(section);
    }
  });
});
