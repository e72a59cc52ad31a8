import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from './request-histogram.js';

describe('RequestHistogram', () => {
  it('exposes cumulative buckets, +Inf, sum and count per label set in Prometheus text', async () => {
    const registry = new Registry();
    const h = RequestHistogram.of(registry);
    expect(RequestHistogram.of(registry)).toBe(h); // one per registry
    const health = h.series('/health', 'GET', '2xx');
    for (const s of [0.0001, 0.0007, 0.003, 20]) health.observe(s);
    h.series('/mcp', 'POST', '4xx').observe(0.2);
    expect(h.series('/health', 'GET', '2xx')).toBe(health);

    const text = await registry.metrics();
    const line = (labels: string) =>
      new RegExp(`^mahavishnu_request_duration_seconds${labels} (\\S+)$`, 'm').exec(text)?.[1];
    const l = (le: string) => `_bucket\\{route="/health",method="GET",status_class="2xx",le="${le}"\\}`;
    expect(text).toContain('# TYPE mahavishnu_request_duration_seconds histogram');
    expect(line(l('0.0005'))).toBe('1');
    expect(line(l('0.001'))).toBe('2');
    expect(line(l('0.0025'))).toBe('2');
    expect(line(l('0.005'))).toBe('3');
    expect(line(l('10'))).toBe('3');
    expect(line(l('\\+Inf'))).toBe('4'); // 20 s lands only in +Inf
    expect(line('_count\\{route="/health",method="GET",status_class="2xx"\\}')).toBe('4');
    expect(Number(line('_sum\\{route="/health",method="GET",status_class="2xx"\\}'))).toBeCloseTo(20.0038, 6);
    expect(line('_bucket\\{route="/mcp",method="POST",status_class="4xx",le="0.1"\\}')).toBe('0');
    expect(line('_bucket\\{route="/mcp",method="POST",status_class="4xx",le="0.25"\\}')).toBe('1');
  });
});
