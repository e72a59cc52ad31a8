import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { requireBinary } from '../helpers/binaries.js';
import { childEnv } from '../helpers/cli.js';
import { ROOT } from '../helpers/runbook.js';
import { type ServeProcess, spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A real Prometheus (Debian's binary) on loopback scrapes a real `mahavishnu serve` with the
 * shipped alert rules loaded; everything is read back through Prometheus' HTTP API.
 */
const RULES = join(ROOT, 'deploy/prometheus/mahavishnu.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/mahavishnu-dashboard.json');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  state?: string;
}

describe('Prometheus scraping mahavishnu serve with the shipped rules', () => {
  const tmp = tempDir('mahavishnu-prom-');
  let served: ServeProcess;
  let prometheus: ChildProcess;
  let api: string;
  let log = '';
  const get = async (path: string) => {
    const res = await fetch(`${api}${path}`);
    const body = (await res.json()) as { status: string; data: never; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const rules = async (): Promise<RuleState[]> =>
    ((await get('/api/v1/rules')) as { groups: { rules: RuleState[] }[] }).groups.flatMap((g) => g.rules);

  beforeAll(async () => {
    requireBinary('prometheus');
    served = await spawnServe(childEnv(join(tmp.path, 'mahavishnu')));
    // the shipped rules as they are, evaluated every second instead of every 30 s so the test is short
    const shipped = parse(readFileSync(RULES, 'utf8'));
    for (const g of shipped.groups) g.interval = '1s';
    writeFileSync(join(tmp.path, 'rules.yml'), stringify(shipped));
    writeFileSync(
      join(tmp.path, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(tmp.path, 'rules.yml')],
        scrape_configs: [
          {
            job_name: 'mahavishnu',
            static_configs: [{ targets: [`127.0.0.1:${Number(new URL(served.url).port)}`] }],
          },
        ],
      }),
    );
    mkdirSync(join(tmp.path, 'tsdb'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(tmp.path, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(tmp.path, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr!.on('data', (d) => (log += d));
    await waitFor('Prometheus to be ready', async () =>
      (await fetch(`${api}/-/ready`)).ok ? true : undefined,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nprometheus log:\n${log}`);
    });
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await served?.stop();
    tmp.remove();
  });

  it('scrapes the target: health up and up{job="mahavishnu"} == 1', async () => {
    const target = await waitFor('the target to be up', async () => {
      const { activeTargets } = (await get('/api/v1/targets')) as {
        activeTargets: { labels: { job: string }; health: string; lastError: string }[];
      };
      return activeTargets.find((t) => t.labels.job === 'mahavishnu' && t.health === 'up');
    });
    expect(target.lastError).toBe('');
    const { result } = (await get('/api/v1/query?query=up%7Bjob%3D%22mahavishnu%22%7D')) as {
      result: { value: [number, string] }[];
    };
    expect(result.map((r) => r.value[1])).toEqual(['1']);
    const build = (await get('/api/v1/query?query=mahavishnu_build_info')) as { result: unknown[] };
    expect(build.result).toHaveLength(1);
  });

  it('loads every shipped rule and evaluates each with health "ok"', async () => {
    const shipped = parse(readFileSync(RULES, 'utf8')).groups.flatMap((g: { rules: { alert: string }[] }) =>
      g.rules.map((r) => r.alert),
    );
    const evaluated = await waitFor('every rule to be evaluated', async () => {
      const all = await rules();
      return all.length === shipped.length && all.every((r) => !r.lastEvaluation.startsWith('0001'))
        ? all
        : undefined;
    });
    expect(evaluated.map((r) => r.name).sort()).toEqual([...shipped].sort());
    expect(evaluated.filter((r) => r.health !== 'ok' || r.lastError)).toEqual([]);
    // the service is up: the service-down alert is not pending or firing
    expect(evaluated.find((r) => r.name === 'MahavishnuServiceDown')!.state).toBe('inactive');
  });

  it('runs every dashboard query without a PromQL error', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    for (const expr of exprs) {
      const q = expr
        .replaceAll('$job', 'mahavishnu')
        .replaceAll('$instance', '.*')
        .replaceAll('$__rate_interval', '1m');
      await expect(get(`/api/v1/query?query=${encodeURIComponent(q)}`), expr).resolves.toBeDefined();
    }
  });

  it('turns MahavishnuServiceDown pending when the server stops', async () => {
    expect(await served.stop()).toBe(0);
    const down = await waitFor('the service-down alert to be pending', async () => {
      const r = (await rules()).find((x) => x.name === 'MahavishnuServiceDown');
      return r?.state === 'pending' ? r : undefined;
    });
    expect(down.health).toBe('ok');
    expect(log).not.toMatch(/level=error/);
  });
});
