import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, childEnv } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/**
 * The official MCP Inspector in CLI mode (@modelcontextprotocol/inspector-cli, the package behind
 * `npx @modelcontextprotocol/inspector --cli`; 0.15.0 is the last release that runs on Node 20)
 * spawns `mahavishnu mcp start` and talks to it over stdio.
 */
const INSPECTOR = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json')),
  'build/cli.js',
);

describe('MCP Inspector (CLI mode) against `mahavishnu mcp start`', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());
  const env = childEnv(tmp.path);
  const envArgs = ['MAHAVISHNU_DATA__DIR', 'MAHAVISHNU_CONFIG_DIR', 'MAHAVISHNU_LOG__LEVEL'].flatMap((k) => [
    '-e',
    `${k}=${env[k]}`,
  ]);
  const inspect = (...method: string[]) => {
    const r = spawnSync(
      process.execPath,
      [INSPECTOR, '--cli', ...envArgs, process.execPath, BIN, 'mcp', 'start', ...method],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('reads runbook://incident-response', () => {
    const out = inspect('--method', 'resources/read', '--uri', 'runbook://incident-response');
    expect(out.contents[0]).toMatchObject({ uri: 'runbook://incident-response', mimeType: 'text/markdown' });
    expect(out.contents[0].text).toMatch(/^# Incident response/);
  });

  it('gets the high-error-rate prompt with live facts', () => {
    const out = inspect(
      '--method',
      'prompts/get',
      '--prompt-name',
      'high-error-rate',
      '--prompt-args',
      'observed=alert',
    );
    const text: string = out.messages[0].content.text;
    expect(text).toContain('Reported: alert');
    expect(text).toContain('"breakers"');
    expect(text).toContain('Scenario 1: High error rate');
  });
});
