import { readToken } from '../core/config/load.js';
import { exitCode, isAppError } from '../core/errors.js';
import type { Globals } from './globals.js';
import { getJson, serverUrl } from './status.js';

interface Step {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * `mahavishnu test --smoke`: the post-deploy check of the runbook against a running server —
 * probes, a metrics scrape, and MCP initialize plus one read-only tool call over /mcp.
 */
export async function runSmoke({ tool }: { tool: string }, g: Globals): Promise<number> {
  const url = serverUrl(g);
  const token = readToken();
  const steps: Step[] = [];
  const step = async (name: string, fn: () => Promise<string>) => {
    try {
      steps.push({ name, ok: true, detail: await fn() });
    } catch (e) {
      steps.push({ name, ok: false, detail: isAppError(e) || e instanceof Error ? e.message : String(e) });
    }
    const s = steps.at(-1)!;
    if (!g.json) process.stdout.write(`${s.ok ? 'ok  ' : 'FAIL'}  ${s.name.padEnd(22)} ${s.detail}\n`);
  };
  const expectStatus = async (path: string, want: number[]) => {
    const r = await getJson(`${url}${path}`);
    if (!want.includes(r.status))
      throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    return r;
  };
  await step('GET /health', async () => `${(await expectStatus('/health', [200])).ms} ms`);
  await step('GET /ready', async () => `${(await expectStatus('/ready', [200])).body.status}`);
  await step('GET /health/components', async () => {
    const r = await expectStatus('/health/components', [200]);
    const comps = Object.entries(r.body.components as Record<string, { status: string }>);
    return `${r.body.status}: ${comps.map(([k, v]) => `${k}=${v.status}`).join(', ')}`;
  });
  await step('GET /metrics', async () => {
    const res = await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    if (!text.includes('mahavishnu_build_info')) throw new Error('no mahavishnu_build_info in the scrape');
    return `${text.split('\n').filter((l) => l && !l.startsWith('#')).length} samples`;
  });
  await step(`MCP ${tool}`, async () => {
    const { probeMcp } = await import('../mcp/probe.js');
    const r = await probeMcp(url, token, { call: { name: tool, arguments: {} } });
    return `initialize ok (protocol ${r.protocol_version}), ${r.tools} tools, ${tool} answered`;
  });
  const failed = steps.filter((s) => !s.ok).length;
  if (g.json) process.stdout.write(`${JSON.stringify({ server: url, ok: failed === 0, steps }, null, 2)}\n`);
  else
    process.stdout.write(
      `\n${failed === 0 ? 'smoke test passed' : `smoke test FAILED (${failed} of ${steps.length} steps)`} against ${url}\n`,
    );
  return failed === 0 ? 0 : exitCode.unavailable;
}
