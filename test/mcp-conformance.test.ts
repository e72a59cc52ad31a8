import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITH_FIXTURES } from './fixtures/conformance/index.js';
import { authProxy } from './helpers/auth-proxy.js';
import { CONFORMANCE, INSPECTOR, NODE22, requireNode22Tools } from './helpers/node22.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

// the Inspector keeps state under $HOME/.mcp-inspector: give it a throwaway home
const home = tempDir();

/** Run a Node 22 tool without blocking this process (the server under test lives in it). */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // biome-ignore lint/style/noProcessEnv: the child inherits PATH and the like
    const env = { ...process.env, HOME: home.path };
    execFile(NODE22, args, { encoding: 'utf8', timeout: 50_000, env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('official MCP tooling against /mcp and /sse', () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    requireNode22Tools();
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
    token = await t.tokenFor('admin');
  });
  afterAll(async () => {
    await t?.stop();
    home.remove();
  });

  it('passes the MCP conformance suite (active scenarios) over Streamable HTTP', async () => {
    // the suite cannot send a token; a loopback proxy adds it and passes Host through untouched
    const proxy = await authProxy(t.url, token);
    try {
      const r = await run([CONFORMANCE, 'server', '--url', `${proxy.url}/mcp`]);
      const summary = r.stdout.slice(r.stdout.indexOf('=== SUMMARY ==='));
      expect(summary, r.stderr).toMatch(/Total: \d+ passed, 0 failed/);
      expect(summary).toContain('✓ dns-rebinding-protection');
      expect(summary).toContain('✓ tools-call-with-progress');
      expect(r.code).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    ['Streamable HTTP', '/mcp'],
    ['SSE', '/sse'],
  ])('MCP Inspector --cli lists the tools over %s', async (_name, path) => {
    const r = await run([
      INSPECTOR,
      '--cli',
      `${t.url}${path}`,
      '--method',
      'tools/list',
      '--header',
      `Authorization: Bearer ${token}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const names = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools.map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['auth_list_users', 'auth_create_token']));
  });

  it('MCP Inspector --cli calls a tool, and is refused without a token', async () => {
    const ok = await run([
      INSPECTOR,
      '--cli',
      `${t.url}/mcp`,
      '--method',
      'tools/call',
      '--tool-name',
      'auth_list_users',
      '--header',
      `Authorization: Bearer ${token}`,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).structuredContent.users.length).toBeGreaterThan(0);
    const refused = await run([INSPECTOR, '--cli', `${t.url}/mcp`, '--method', 'tools/list']);
    expect(refused.code).not.toBe(0);
  });
});
