import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpAgent, mcpOverHttp } from './helpers/mcp-client.js';
import { bearer, json, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Error bodies sent to clients name no absolute path of the server, no connection URL and no
 * stack, over the action API and MCP alike; the server log keeps the detail.
 */
describe('error bodies name no server path', () => {
  const tmp = tempDir();
  const workflows = join(tmp.path, 'secret-workflows-folder');
  let t: TestServer;
  let token: string;
  let mcp: McpAgent;
  const leaks = (text: string) =>
    [workflows, tmp.path, '/tmp/', 'postgres://', '    at '].filter((s) => text.includes(s));

  beforeAll(async () => {
    mkdirSync(workflows, { recursive: true });
    t = await startTestServer({ workflows: { dir: workflows }, approvals: { enabled: false } });
    token = await t.tokenFor('operator');
    mcp = await mcpOverHttp(t.url, token);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.stop();
    tmp.remove();
  });

  it('workflow_run of an unknown name over the action API: 404 that says where to look, without the folder', async () => {
    const r = await fetch(`${t.url}/api/v1/tools/workflow_run`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'no-such-flow' }),
    });
    expect(r.status).toBe(404);
    const text = JSON.stringify(await json(r));
    expect(text).toContain('workflows.dir');
    expect(leaks(text)).toEqual([]);
  });

  it('the same over MCP', async () => {
    const r = await mcp.tool('workflow_run', { name: 'no-such-flow' });
    expect(String(r.error)).toMatch(/^not_found: no workflow named no-such-flow/);
    expect(leaks(JSON.stringify(r))).toEqual([]);
  });

  it('the open probes and the health resource carry no store file path', async () => {
    for (const path of ['/ready', '/health/components']) {
      const text = await (await fetch(`${t.url}${path}`)).text();
      expect(leaks(text), path).toEqual([]);
    }
  });

  it('config_validate reads no file a remote caller names (its keys would come back as problems)', async () => {
    const admin = await t.tokenFor('admin');
    const r = await fetch(`${t.url}/api/v1/tools/config_validate`, {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ file: '/etc/passwd' }),
    });
    expect(r.status).toBe(403);
    const text = JSON.stringify(await json(r));
    expect(text).toContain('validate a file on the host');
    expect(text).not.toContain('root');
    expect((await mcp.tool('config_validate', { file: '/etc/passwd' })).error).toMatch(/^forbidden: /);
  });
});
