import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryLoadConfig } from '../../src/core/config/load.js';
import { childEnv } from '../helpers/cli.js';
import { ROOT } from '../helpers/runbook.js';
import { type ServeProcess, spawnServe } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

// No Docker engine here: the Dockerfile is checked statically with the parser and linter behind
// the VS Code Docker language service, and its runtime pieces (ENV, HEALTHCHECK, npm pack) for real.
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const all = dockerfile.getInstructions();

/** Instructions of each stage, by stage name. */
const stages = new Map<string, Instruction[]>();
let current: Instruction[] = [];
for (const i of all) {
  if (i.getKeyword() === 'FROM') {
    current = [];
    stages.set(i.getArgumentsContent()!.split(/\s+AS\s+/i)[1] ?? `stage${stages.size}`, current);
  }
  current.push(i);
}
const runtime = [...stages.values()].at(-1)!;
/** Everything after the keyword, flags included, continuation lines joined. */
const args = (list: Instruction[], keyword: string) =>
  list
    .filter((i) => i.getKeyword() === keyword)
    .map((i) =>
      i
        .getTextContent()
        .replace(/\\\n/g, ' ')
        .replace(/^\s*\w+\s+/, '')
        .trim(),
    );
const last = (keyword: string) => args(runtime, keyword).at(-1);
const env = Object.fromEntries(
  args(runtime, 'ENV').flatMap((a) => [...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
);
const healthcheck = JSON.parse(last('HEALTHCHECK')!.replace(/^[\s\S]*?\bCMD\s+/, '')) as string[];

describe('Dockerfile', () => {
  it('has no problem the Dockerfile linter (dockerfile-utils) reports', () => {
    expect(validate(text)).toEqual([]);
    // the linter does report: a misspelt instruction and a bad STOPSIGNAL
    expect(validate('FROM node:20\nRUNN true\nSTOPSIGNAL SIGFOO\n').length).toBeGreaterThan(0);
  });

  it('is multi-stage: dev dependencies only in the build stage, production ones in the image', () => {
    expect([...stages.keys()]).toEqual(['build', 'deps', 'runtime']);
    expect(args(stages.get('deps')!, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
    expect(args(stages.get('deps')!, 'RUN').join(' ')).toMatch(/npm rebuild better-sqlite3 argon2/);
    const copies = args(runtime, 'COPY');
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies.filter((c) => c.includes('--from=build')).join(' ')).not.toMatch(/node_modules/);
    expect(copies.every((c) => c.startsWith('--from='))).toBe(true);
  });

  it('runs `mahavishnu serve` as a non-root user, stops on SIGTERM, exposes 8080', () => {
    expect(last('USER')).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(JSON.parse(last('ENTRYPOINT')!)).toEqual(['tini', '--', 'mahavishnu']);
    expect(JSON.parse(last('CMD')!)).toEqual(['serve']);
    expect(last('STOPSIGNAL')).toBe('SIGTERM');
    expect(last('EXPOSE')).toBe('8080');
    expect(JSON.parse(last('VOLUME')!)).toEqual([env.MAHAVISHNU_DATA__DIR]);
  });

  it('its ENV loads as settings listening on 0.0.0.0:8080 with /var/lib/mahavishnu as data', () => {
    const { loaded, problems } = tryLoadConfig({ dir: join(ROOT, 'settings'), env });
    expect(problems).toEqual([]);
    expect(loaded!.config.server).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(loaded!.config.data.dir).toBe('/var/lib/mahavishnu');
  });

  it('packs what the runtime stage runs (npm pack --dry-run lists bin, dist and settings)', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout)[0].files as { path: string }[]).map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/mahavishnu.js',
        'dist/cli/main.js',
        'settings/mahavishnu.yaml',
        'package.json',
      ]),
    );
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  });

  it('ignores local state and build output in .dockerignore, not the sources', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', '.git', 'dist', 'data', 'settings/local.yaml']),
    );
    for (const needed of ['src', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'settings'])
      expect(ignored, needed).not.toContain(needed);
  });

  describe('HEALTHCHECK against a real `mahavishnu serve`', () => {
    const tmp = tempDir('mahavishnu-docker-');
    let served: ServeProcess;
    beforeAll(async () => {
      served = await spawnServe(childEnv(tmp.path));
    });
    afterAll(async () => {
      await served?.stop();
      tmp.remove();
    });
    // the image's node runs the command; here the test's node does (no curl needed either way)
    const check = () =>
      spawnSync(process.execPath, healthcheck.slice(1), {
        env: { PATH: '/usr/bin:/bin', MAHAVISHNU_SERVER__PORT: new URL(served.url).port },
        timeout: 20_000,
      }).status;

    it('uses node, not curl, and exits 0 while /health answers, 1 once the server is gone', async () => {
      expect(healthcheck[0]).toBe('node');
      expect(healthcheck.join(' ')).toContain('/health');
      expect(check()).toBe(0);
      expect(await served.stop()).toBe(0);
      expect(check()).toBe(1);
    });
  });
});
