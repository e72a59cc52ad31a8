import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { startPools } from '../src/core/pools/start.js';
import { adapterServer } from './helpers/adapter-server.js';
import { type McpAgent, mcpOverHttp, promptFacts } from './helpers/mcp-client.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';
import { writeWorkflows } from './helpers/workflows.js';

/** One sample of a metric (a histogram's _count by its series name) by labels. */
async function sampleValue(core: Core, series: string, labels: Record<string, string>) {
  const family = series.replace(/_count$/, '');
  const m = (await core.metrics.registry.getMetricsAsJSON()).find((x) => x.name === family);
  const v = m?.values.find(
    (x) =>
      ((x as { metricName?: string }).metricName ?? family) === series &&
      Object.entries(labels).every(([k, l]) => x.labels[k] === l),
  );
  return v?.value;
}

/**
 * Adapters carry workflow traffic: an http adapter that starts answering 500, a workflow whose
 * steps call it through the pool runtime, the breaker that opens from that traffic, the error
 * counters and the high-error-rate prompt that show it, adapter_restart that closes it.
 */
describe('workflow steps that call an http adapter', () => {
  let srv: Awaited<ReturnType<typeof adapterServer>>;
  let t: TestServer;
  let agent: McpAgent;
  const tmp = tempDir();

  beforeAll(async () => {
    srv = await adapterServer();
    const dir = writeWorkflows(tmp.path, {
      query: `
name: query
description: two calls to the flaky adapter
pool: adapters
params:
  q: { type: string, description: the question }
steps:
  - name: ask
    adapter: flaky
    call: { method: POST, path: /query, body: { q: "{{q}}" }, expect_status: 200 }
  - name: confirm
    adapter: flaky
    call: { method: GET, path: /confirm }
timeout_ms: 10000
`,
    });
    t = await startTestServer({
      workflows: { dir },
      pools: { tick_ms: 100 },
      adapters: {
        flaky: { type: 'http', base_url: srv.url, cooldown_s: 300, failure_threshold: 3, timeout_ms: 2000 },
      },
    });
    await startPools(t.core);
    agent = await mcpOverHttp(t.url, await t.tokenFor('operator'));
    expect(
      await agent.tool('pool_spawn', { type: 'mahavishnu', name: 'adapters', min: 1, max: 1 }),
    ).not.toHaveProperty('error');
  });
  afterAll(async () => {
    await agent?.close();
    await t?.stop();
    await srv?.close();
    tmp.remove();
  });

  /** Run the workflow and wait for its end; the final status. */
  const runToEnd = async () => {
    const run = await agent.tool('workflow_run', { name: 'query', params: { q: 'status?' } });
    expect(run).not.toHaveProperty('error');
    let status: Record<string, unknown> = run;
    await waitFor('the run to end', async () => {
      status = await agent.tool('workflow_status', { id: run.id });
      return ['succeeded', 'failed', 'cancelled'].includes(status.state as string);
    });
    return status;
  };
  const logs = async (id: unknown) => JSON.stringify(await agent.tool('workflow_logs', { id }));
  const adapterErrors = async () =>
    (await sampleValue(t.core, 'mahavishnu_errors_total', { source: 'adapter', code: 'unavailable' })) ?? 0;

  it('passes the calls, with the param in the body, while the adapter answers', async () => {
    const status = await runToEnd();
    expect(status.state).toBe('succeeded');
    expect(srv.stats.requests).toBe(2);
    expect(await logs(status.id)).toContain('POST /query → HTTP 200');
    expect(await logs(status.id)).toContain('\\"path\\":\\"/confirm\\"');
    expect(
      await sampleValue(t.core, 'mahavishnu_adapter_call_duration_seconds_count', {
        adapter: 'flaky',
        outcome: 'ok',
      }),
    ).toBe(2);
  });

  it('opens the breaker from failing workflow traffic, then refuses without reaching the adapter', async () => {
    srv.set('fail');
    const before = await adapterErrors();
    for (let i = 0; i < 3; i++) {
      const s = await runToEnd();
      expect(s.state).toBe('failed');
      expect(await logs(s.id)).toContain('HTTP 500');
    }
    const status = await agent.tool('adapter_list');
    const flaky = (status.adapters as Array<Record<string, unknown>>).find((a) => a.name === 'flaky');
    expect(flaky).toMatchObject({ state: 'open', held: false });
    // the next trial is the cooldown away, and the breaker says when
    expect(flaky!.cooldown_remaining_ms).toBeGreaterThan(200_000);
    expect(Date.parse(flaky!.next_trial_at as string)).toBeGreaterThan(Date.now() + 200_000);

    const reached = srv.stats.requests;
    const refused = await runToEnd();
    expect(refused.state).toBe('failed');
    expect(await logs(refused.id)).toContain('circuit breaker is open');
    expect(srv.stats.requests).toBe(reached);
    expect(await adapterErrors()).toBe(before + 4);
    expect(
      await sampleValue(t.core, 'mahavishnu_adapter_call_duration_seconds_count', {
        adapter: 'flaky',
        outcome: 'refused',
      }),
    ).toBe(1);
  });

  it('the high-error-rate prompt names the open breaker and the adapter error rate', async () => {
    const text = await agent.prompt('high-error-rate');
    const facts = promptFacts(text);
    expect(facts.breakers).toContainEqual(expect.objectContaining({ name: 'flaky', state: 'open' }));
    const errors = facts.errors as {
      adapters_last_5m: Array<Record<string, unknown>>;
      errors_by_code: unknown[];
    };
    const rate = errors.adapters_last_5m.find((a) => a.adapter === 'flaky')!;
    expect(rate).toMatchObject({ calls: 6, failed: 3, refused: 1 });
    expect(rate.error_ratio).toBeCloseTo(4 / 6, 3);
    expect(errors.errors_by_code).toContainEqual(
      expect.objectContaining({ source: 'adapter', code: 'unavailable' }),
    );
    expect(text).toContain('adapter_restart');
  });

  it('adapter_probe reads the health without moving the breaker; adapter_restart closes it once healed', async () => {
    const failing = await agent.tool('adapter_probe', { name: 'flaky' });
    expect(failing).toMatchObject({ ok: false, breaker: { state: 'open' } });
    srv.set('ok');
    const healed = await agent.tool('adapter_probe', { name: 'flaky' });
    expect(healed).toMatchObject({ ok: true, breaker: { state: 'open', held: false } });

    expect(await agent.tool('adapter_restart', { name: 'flaky' })).toMatchObject({
      closed: true,
      state: 'closed',
    });
    expect((await runToEnd()).state).toBe('succeeded');
  });
});
