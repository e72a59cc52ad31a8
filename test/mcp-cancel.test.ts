import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WITH_FIXTURES } from './fixtures/conformance/index.js';
import { rawSession, statelessRequest } from './helpers/raw-mcp.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

/**
 * A cancelled call over a 2025-11-25 Streamable HTTP session: the tool's signal is aborted, the
 * work stops, no response is sent (as the spec says) and the call's SSE stream is closed rather
 * than left open.
 */
describe('notifications/cancelled on a Streamable HTTP session', () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
    token = await t.tokenFor('admin');
  });
  afterAll(async () => t.stop());

  it('stops the call and closes its stream', async () => {
    const { post } = await rawSession(t.url, token);
    // a progress token asks for progress notifications, so the answer is a stream
    const call = await post({
      id: 2,
      method: 'tools/call',
      params: {
        name: 'test_slow',
        arguments: { ms: 20_000, steps: 20 },
        _meta: { progressToken: 'p2' },
      },
    });
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const body = call.text(); // resolves when the server ends the stream
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    expect((await post({ method: 'notifications/cancelled', params: { requestId: 2 } })).status).toBe(202);
    const frames = await Promise.race([
      body,
      new Promise<string>((r) => setTimeout(() => r('STILL OPEN'), 5000)),
    ]);
    expect(frames).not.toBe('STILL OPEN');
    expect(Date.now() - t0).toBeLessThan(2000);
    // no response for the cancelled request: only the priming event (and no result for id 2)
    expect(frames).not.toMatch(/"id":2/);
  }, 20_000);

  it('stops a plain read-only call (answered as JSON, not a stream) and answers 202 with no response', async () => {
    const { post } = await rawSession(t.url, token);
    const t0 = Date.now();
    const call = post({
      id: 3,
      method: 'tools/call',
      params: { name: 'test_slow', arguments: { ms: 20_000, steps: 20 } },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await post({ method: 'notifications/cancelled', params: { requestId: 3 } })).status).toBe(202);
    const res = await call;
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    // the tool saw the cancel: its call is recorded as cancelled (timeout), not as done
    await waitFor('the cancelled call recorded', async () => {
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      return /mahavishnu_tool_calls_total\{tool="test_slow",outcome="timeout"\} [1-9]/.test(metrics);
    });
  }, 20_000);
});

describe('a 2026-07-28 client that drops its request', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({}, 'sqlite', WITH_FIXTURES);
  });
  afterAll(async () => t.stop());

  it('aborts the call: the tool stops (outcome timeout) instead of running to its end', async () => {
    const token = await t.tokenFor('admin');
    const ctl = new AbortController();
    const call = statelessRequest(
      t.url,
      token,
      'tools/call',
      { name: 'test_slow', arguments: { ms: 20_000, steps: 20 } },
      { signal: ctl.signal },
    ).then(async (r) => r.text());
    await new Promise((r) => setTimeout(r, 500));
    ctl.abort();
    await call.catch(() => {});
    const outcome = async () =>
      (await t.core.metrics.registry.getSingleMetricAsString('mahavishnu_tool_calls_total'))
        .split('\n')
        .find((l) => l.includes('tool="test_slow"'));
    const t0 = Date.now();
    await waitFor('the call to end', async () => (await outcome())?.includes('outcome="timeout"'), 5000);
    expect(Date.now() - t0).toBeLessThan(2000);
  }, 20_000);
});
