import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../src/core/core.js';
import { adapterList } from '../src/tools/adapter/list.js';
import { adapterRestart } from '../src/tools/adapter/restart.js';
import { invoke } from '../src/tools/invoke.js';
import { adapterServer } from './helpers/adapter-server.js';
import { operator, testCore } from './helpers/core.js';
import { waitFor } from './helpers/wait.js';

type Srv = Awaited<ReturnType<typeof adapterServer>>;

const metric = async (core: Core, name: string, labels: Record<string, string>) => {
  const m = (await core.metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value;
};
const component = async (core: Core, name: string) =>
  (await core.health.components(true)).find((c) => c.name === name);

describe('adapters behind circuit breakers, against a local HTTP adapter that fails on demand', () => {
  let srv: Srv;
  let core: Core;
  let cleanup: () => Promise<void>;

  // a fresh adapter and core per test: a breaker's state must not leak from one test to the next
  beforeEach(async () => {
    srv = await adapterServer();
    ({ core, cleanup } = await testCore('sqlite', {
      adapters: {
        flaky: { type: 'http', base_url: srv.url, cooldown_s: 1, failure_threshold: 2, timeout_ms: 5000 },
      },
    }));
  });
  afterEach(async () => {
    await cleanup();
    await srv.close();
  });

  const call = () => core.adapters.call('flaky', { method: 'POST', path: '/work', body: { n: 1 } });
  /** failure_threshold (2) failures in a row: the breaker opens. */
  const openBreaker = async () => {
    srv.set('fail');
    for (let i = 0; i < 2; i++) await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
    expect(core.adapters.status('flaky').state).toBe('open');
  };

  it('passes calls while the adapter answers; the default adapter main is there too', async () => {
    await expect(call()).resolves.toMatchObject({ status: 200, body: { ok: true, path: '/work' } });
    expect(core.adapters.names().sort()).toEqual(['flaky', 'main']);
    expect(await component(core, 'circuit_breaker_flaky')).toMatchObject({ status: 'healthy' });
    expect(await component(core, 'circuit_breaker_main')).toMatchObject({ status: 'healthy' });
    expect(await metric(core, 'mahavishnu_circuit_state', { adapter: 'flaky', state: 'closed' })).toBe(1);
  });

  it('opens after consecutive failures, then refuses calls without reaching the adapter', async () => {
    srv.set('fail');
    await expect(call()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('HTTP 500'),
    });
    await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
    expect(core.adapters.status('flaky').state).toBe('open');
    const before = srv.stats.requests;
    await expect(call()).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
      message: expect.stringContaining('circuit breaker is open'),
    });
    expect(srv.stats.requests).toBe(before);
    expect(await component(core, 'circuit_breaker_flaky')).toMatchObject({
      status: 'unhealthy',
      critical: false,
      details: { state: 'open' },
    });
    expect(await metric(core, 'mahavishnu_circuit_state', { adapter: 'flaky', state: 'open' })).toBe(1);
    expect(await metric(core, 'mahavishnu_circuit_state', { adapter: 'flaky', state: 'closed' })).toBe(0);
    expect(await metric(core, 'mahavishnu_circuit_transitions_total', { adapter: 'flaky', to: 'open' })).toBe(
      1,
    );
  });

  it('after the cooldown lets exactly one trial through; others fail fast; success closes it', async () => {
    await openBreaker();
    await waitFor(
      'the breaker cooldown to end',
      () => core.adapters.status('flaky').cooldown_remaining_ms === 0,
    );
    srv.set('hold');
    const before = srv.stats.requests;
    const trial = call();
    await waitFor('the probe request', () => srv.stats.requests === before + 1);
    expect(core.adapters.status('flaky').state).toBe('half_open');
    expect(await component(core, 'circuit_breaker_flaky')).toMatchObject({ status: 'degraded' });
    await expect(call()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('half-open'),
    });
    await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
    expect(srv.stats.requests).toBe(before + 1);
    srv.release();
    await expect(trial).resolves.toMatchObject({ status: 200 });
    expect(core.adapters.status('flaky').state).toBe('closed');
    expect(
      await metric(core, 'mahavishnu_circuit_transitions_total', { adapter: 'flaky', to: 'half_open' }),
    ).toBe(1);
    expect(
      await metric(core, 'mahavishnu_circuit_transitions_total', { adapter: 'flaky', to: 'closed' }),
    ).toBe(1);
  });

  it('a failed trial opens it again', async () => {
    srv.set('fail');
    await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
    await waitFor(
      'the breaker cooldown to end',
      () => core.adapters.status('flaky').cooldown_remaining_ms === 0,
    );
    await expect(call()).rejects.toMatchObject({ message: expect.stringContaining('HTTP 500') });
    expect(core.adapters.status('flaky').state).toBe('open');
  });

  it('adapter restart holds the breaker open while the probe fails, and closes it once the adapter is healthy', async () => {
    const restart = adapterRestart;
    srv.set('fail');
    const failed = await invoke(restart, { name: 'flaky' }, { core, principal: operator });
    expect(failed).toMatchObject({ adapter: 'flaky', closed: false, state: 'open', probe: { ok: false } });
    expect(core.adapters.status('flaky')).toMatchObject({ state: 'open', held: true });
    await expect(call()).rejects.toMatchObject({ message: expect.stringContaining('held open') });

    srv.set('ok');
    // still held: a healthy adapter is not called until a probe has passed
    await expect(call()).rejects.toMatchObject({ code: 'unavailable' });
    const closedBefore = srv.stats.closed;
    const ok = await invoke(restart, { name: 'flaky' }, { core, principal: operator });
    expect(ok).toMatchObject({ closed: true, state: 'closed', probe: { ok: true } });
    await expect(call()).resolves.toMatchObject({ status: 200 });
    // the restart dropped the pooled keep-alive connections
    await waitFor('the old connections to close', () => srv.stats.closed > closedBefore);
    expect(await component(core, 'circuit_breaker_flaky')).toMatchObject({ status: 'healthy' });
  });

  it('adapter_list shows every adapter with its breaker; an unknown name is not_found with a hint', async () => {
    const out = await invoke(adapterList, {}, { core, principal: operator });
    expect(out.adapters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'flaky', state: 'closed', target: srv.url })]),
    );
    await expect(core.adapters.call('flakey', {})).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('did you mean "flaky"'),
    });
  });

  it('a 4xx reply is returned and does not count against the breaker', async () => {
    srv.set('missing');
    for (let i = 0; i < 3; i++) await expect(call()).resolves.toMatchObject({ status: 404 });
    expect(core.adapters.status('flaky').state).toBe('closed');
    srv.set('ok');
  });
});
