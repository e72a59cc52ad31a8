import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITH_FIXTURES } from './fixtures/conformance/index.js';
import { requireBinary } from './helpers/binaries.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';

/** promtool (Debian package `prometheus`) reads the scrape on stdin; resolves with its verdict. */
function promtool(scrape: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('promtool', ['check', 'metrics']);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
    p.stdin.end(scrape);
  });
}

describe('a /metrics scrape passes `promtool check metrics`', () => {
  let t: TestServer;
  beforeAll(async () => {
    requireBinary('promtool');
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
  });
  afterAll(async () => t?.stop());

  it('with traffic on every kind of route, tool calls and errors recorded', async () => {
    const token = await t.tokenFor('operator');
    await fetch(`${t.url}/health`);
    await fetch(`${t.url}/ready`);
    await fetch(`${t.url}/health/components`);
    await fetch(`${t.url}/nowhere`);
    await fetch(`${t.url}/api/v1/tools/auth_list_users`, { method: 'POST', headers: bearer(token) });
    await fetch(`${t.url}/api/v1/tools/auth_create_user`, {
      method: 'POST',
      headers: bearer(token),
      body: '{}',
    });
    const scrape = await (await fetch(`${t.url}/metrics`)).text();
    expect(scrape).toContain('mahavishnu_tool_calls_total{tool="auth_create_user",outcome="forbidden"} 1');
    expect(scrape).toContain('mahavishnu_errors_total{source="tool",code="forbidden"} 1');
    const r = await promtool(scrape);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
