import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { childEnv } from '../helpers/cli.js';
import { metricNames, scrapedNames } from '../helpers/metrics.js';
import { ROOT } from '../helpers/runbook.js';
import { type ServeProcess, spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';
import { typeCheckLiterals } from '../helpers/typecheck.js';

interface Target {
  expr: string;
}
interface Panel {
  type: string;
  title: string;
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
}
const FILE = join(ROOT, 'deploy/grafana/mahavishnu-dashboard.json');
const dashboard = JSON.parse(readFileSync(FILE, 'utf8'));
const panels: Panel[] = dashboard.panels;
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
const ruleExprs: string[] = parse(readFileSync(join(ROOT, 'deploy/prometheus/mahavishnu.yml'), 'utf8'))
  .groups.flatMap((g: { rules: { expr: string }[] }) => g.rules)
  .map((r: { expr: string }) => r.expr);
/** Series names queried by the panels and the rules (`up` is Prometheus' own). */
const queried = [...new Set([...queries.map((q) => q.expr), ...ruleExprs].flatMap(metricNames))]
  .filter((n) => n !== 'up')
  .sort();

describe('Grafana dashboard (deploy/grafana/mahavishnu-dashboard.json)', () => {
  it("matches Grafana's dashboard schema types (no unknown fields)", () => {
    const diagnostics = typeCheckLiterals(
      ["import type { Dashboard } from '@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen';"],
      [
        { type: 'Dashboard', value: dashboard },
        // the check is not vacuous: a misspelt panel field fails
        { type: 'Dashboard', value: { ...dashboard, panels: [{ ...panels[1], titel: 'x' }] } },
      ],
    );
    expect(diagnostics.filter((d) => !d.includes('titel'))).toEqual([]);
    expect(diagnostics.filter((d) => d.includes('titel'))).toHaveLength(1);
  });

  it('is importable anywhere: a stable uid, the data source as a variable, unique panel ids', () => {
    expect(dashboard.uid).toBe('mahavishnu');
    expect(dashboard.id ?? null).toBeNull();
    const ds = dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of panels)
      if (p.type !== 'row')
        expect((p as unknown as { datasource: unknown }).datasource, p.title).toEqual({
          type: 'prometheus',
          uid: '$'.concat('{datasource}'),
        });
    const ids = panels.map((p) => (p as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has panels for requests, latency, errors, workflows, pools, breakers and backups', () => {
    const uses = (metric: string) => queries.some((q) => metricNames(q.expr).includes(metric));
    for (const m of [
      'mahavishnu_request_duration_seconds_count',
      'mahavishnu_request_duration_seconds_bucket',
      'mahavishnu_errors_total',
      'mahavishnu_active_workflows',
      'mahavishnu_pool_workers',
      'mahavishnu_pool_queue_depth',
      'mahavishnu_circuit_state',
      'mahavishnu_backup_last_success_timestamp_seconds',
    ])
      expect(uses(m), m).toBe(true);
    const latency = panels.find((p) => p.title === 'Latency quantiles')!;
    expect(latency.targets!.map((t) => t.expr.match(/histogram_quantile\(([\d.]+)/)?.[1])).toEqual([
      '0.50',
      '0.95',
      '0.99',
    ]);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
    }
  });

  describe('against a real /metrics scrape of `mahavishnu serve`', () => {
    const tmp = tempDir('mahavishnu-grafana-');
    let served: ServeProcess;
    let scraped: Set<string>;
    beforeAll(async () => {
      served = await spawnServe(childEnv(tmp.path));
      const res = await fetch(`${served.url}/metrics`);
      expect(res.status).toBe(200);
      scraped = scrapedNames(await res.text());
    });
    afterAll(async () => {
      await served?.stop();
      tmp.remove();
    });

    it('every metric the dashboard and the alert rules query is exported', () => {
      // a panel or rule naming a metric nobody exports (renamed, deleted) fails here
      expect(queried.length).toBeGreaterThan(5);
      expect(queried.filter((n) => !scraped.has(n))).toEqual([]);
    });
  });
});
