import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPools } from '../src/core/pools/start.js';
import { adapterServer } from './helpers/adapter-server.js';
import { type McpAgent, mcpOverHttp, promptFacts } from './helpers/mcp-client.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

/** The tool calls a prompt's runbook steps name (`# MCP: tool {json}`), in order. */
function toolCalls(text: string): Array<{ name: string; input: Record<string, unknown> }> {
  return [...text.matchAll(/# MCP: ([a-z_]+) (\{.*?\})(?= — |$)/gm)].map((m) => ({
    name: m[1]!,
    input: JSON.parse(m[2]!) as Record<string, unknown>,
  }));
}

/** The call of that tool the prompt names, with its placeholders and example names replaced. */
function named(text: string, tool: string, fill: Record<string, unknown>) {
  const call = toolCalls(text).find((c) => c.name === tool);
  if (!call) throw new Error(`the prompt names no ${tool} call:\n${text}`);
  return { ...call.input, ...fill };
}

/**
 * Incident drills of the runbook driven only over MCP by a scripted agent: it reads the prompt,
 * takes the branch its facts show, makes the tool calls the prompt names, and checks the system is
 * healthy after. (Database down: test/store-down-mcp.test.ts.)
 */
describe('incident drills, MCP only', () => {
  let srv: Awaited<ReturnType<typeof adapterServer>>;
  let t: TestServer;
  let agent: McpAgent;
  const tmp = tempDir();

  beforeAll(async () => {
    srv = await adapterServer();
    const dir = writeWorkflows(tmp.path, {
      slow: 'name: slow\ndescription: holds a worker\npool: prod\nsteps:\n  - name: nap\n    argv: [sleep, "1"]\n',
    });
    t = await startTestServer({
      // the drills are what is tested here; the human approval of destructive calls is
      // (test/approvals*.test.ts)
      approvals: { enabled: false },
      workflows: { dir },
      pools: { tick_ms: 100 },
      adapters: { llamaindex: { type: 'http', base_url: srv.url, cooldown_s: 300, failure_threshold: 2 } },
    });
    await startPools(t.core);
    agent = await mcpOverHttp(t.url, await t.tokenFor('admin', 'oncall'));
  });
  afterAll(async () => {
    await agent?.close();
    await t?.stop();
    await srv?.close();
    tmp.remove();
  });

  it('circuit breaker open: probe, restart once the adapter is back, every breaker closed', async () => {
    srv.set('fail');
    for (let i = 0; i < 2; i++) await t.core.adapters.call('llamaindex', { path: '/q' }).catch(() => {});
    const text = await agent.prompt('high-error-rate');
    const open = (promptFacts(text).breakers as Array<{ name: string; state: string }>).filter(
      (b) => b.state === 'open',
    );
    expect(open.map((b) => b.name)).toEqual(['llamaindex']);
    srv.set('ok'); // the adapter's owner fixed it
    for (const b of open) {
      expect(await agent.tool('adapter_probe', named(text, 'adapter_probe', { name: b.name }))).toMatchObject(
        {
          ok: true,
        },
      );
      expect(
        await agent.tool('adapter_restart', named(text, 'adapter_restart', { name: b.name })),
      ).toMatchObject({
        closed: true,
      });
    }
    const list = (await agent.tool('adapter_list')).adapters as Array<{ state: string }>;
    expect(list.every((a) => a.state === 'closed')).toBe(true);
  });

  it('pool exhausted: the prompt shows the queue over capacity, pool_scale +5 drains it', async () => {
    expect(
      await agent.tool('pool_spawn', { type: 'mahavishnu', name: 'prod', min: 1, max: 10, autoscale: false }),
    ).not.toHaveProperty('error');
    for (let i = 0; i < 8; i++) await agent.tool('workflow_run', { name: 'slow' });
    const text = await agent.prompt('performance-degradation');
    const pools = (
      promptFacts(text).pool_saturation as { pools: Record<string, { queue_depth: number; desired: number }> }
    ).pools;
    expect(pools.prod!.queue_depth).toBeGreaterThan(pools.prod!.desired);
    const scaled = await agent.tool('pool_scale', named(text, 'pool_scale', { pool: 'prod' }));
    expect(scaled).toMatchObject({ desired: 6 });
    await waitFor(
      'the queue to drain',
      async () => {
        const s = await agent.tool('pool_status', { pool: 'prod' });
        return s.queue_depth === 0 && s.running_steps === 0;
      },
      20_000,
    );
  });

  it('leaked token: rotate-secrets revokes the user’s tokens (plan first), the leaked one is refused', async () => {
    const leaked = await t.tokenFor('operator', 'mallory');
    const ok = await fetch(`${t.url}/api/v1/tools/pool_list`, {
      method: 'POST',
      headers: { ...bearer(leaked), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    const text = await agent.prompt('security-incident', {
      observed: 'token of mallory posted in a public channel',
    });
    const plan = await agent.tool(
      'security_rotate_secrets',
      named(text, 'security_rotate_secrets', { revoke_tokens: true, users: ['mallory'], dry_run: true }),
    );
    expect(JSON.stringify(plan)).toContain('mallory');
    const done = await agent.tool('security_rotate_secrets', { revoke_tokens: true, users: ['mallory'] });
    expect(done).not.toHaveProperty('error');
    const refused = await fetch(`${t.url}/api/v1/tools/pool_list`, {
      method: 'POST',
      headers: { ...bearer(leaked), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(await agent.tool('pool_list')).toHaveProperty('pools');
  });
});
