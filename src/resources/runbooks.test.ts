import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRunbooks, parseRunbook, RUNBOOK_DIR, section } from './runbooks.js';

describe('runbooks/', () => {
  const runbooks = loadRunbooks();

  it('holds the eight runbooks, each named after its file', () => {
    expect(runbooks.map((r) => r.name).sort()).toEqual([
      'backup-restore',
      'common-procedures',
      'deployment',
      'health-checks',
      'incident-response',
      'monitoring-alerting',
      'performance-tuning',
      'security',
    ]);
    expect(readdirSync(RUNBOOK_DIR).sort()).toEqual(runbooks.map((r) => `${r.name}.md`).sort());
  });

  it('names the five incident scenarios, each pointing at a section that exists', () => {
    const scenarios = runbooks.flatMap((r) =>
      Object.entries(r.scenarios).map(([s, h]) => [s, r, h] as const),
    );
    expect(scenarios.map(([s]) => s).sort()).toEqual([
      'data-corruption',
      'high-error-rate',
      'outage',
      'performance-degradation',
      'security-incident',
    ]);
    for (const [, rb, heading] of scenarios) expect(section(rb.body, heading), heading).toBeDefined();
  });

  it('refuses a file without valid front matter, naming the problem', () => {
    expect(() => parseRunbook('x.md', '# no front matter')).toThrow(/front matter/);
    expect(() => parseRunbook('x.md', '---\nname: X Y\ntitle: t\ndescription: d\n---\nbody')).toThrow(/name/);
  });

  it('cuts a section at the next heading of the same level, ignoring # inside code blocks', () => {
    const body = '## A\ntext\n```bash\n# not a heading\n```\n### A.1\nmore\n## B\nother';
    expect(section(body, 'A')).toBe('## A\ntext\n```bash\n# not a heading\n```\n### A.1\nmore');
    expect(section(body, 'missing')).toBeUndefined();
  });
});
