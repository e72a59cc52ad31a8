import type { Registry } from 'prom-client';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One label set's counts: a bucket index, a sum and a count; no hashing, no allocation per observe. */
export class Series {
  readonly buckets = new Float64Array(BUCKETS.length);
  sum = 0;
  count = 0;
  constructor(readonly labels: Readonly<Record<string, string>>) {}
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]!) {
        this.buckets[i]!++;
        return;
      }
    }
  }
}

/**
 * mahavishnu_request_duration_seconds, kept by the HTTP layer itself and exposed through the core's
 * prom-client registry as a metric of its own (prom-client calls `get()` at scrape time). Every
 * request observes it, so it must cost next to nothing: prom-client's Histogram validates and
 * hashes the label object on every observe, which was a third of what a /health request cost
 * beyond bare node:http (docs/performance.md). Here each label set is a Series found once by its
 * key and kept; the label values are bounded (route patterns, known methods, status classes).
 */
export class RequestHistogram {
  readonly name = 'mahavishnu_request_duration_seconds';
  readonly help =
    'HTTP request latency in seconds (until the response starts; streams are not timed to their end), by route pattern, method and status class.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all = new Map<string, Series>();

  series(route: string, method: string, statusClass: string): Series {
    const key = `${route} ${method} ${statusClass}`;
    let s = this.all.get(key);
    if (!s) {
      s = new Series({ route, method, status_class: statusClass });
      this.all.set(key, s);
    }
    return s;
  }

  /** The registry's view: cumulative buckets with `le`, then _sum and _count, per label set. */
  get() {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const s of this.all.values()) {
      let cumulative = 0;
      for (let i = 0; i < BUCKETS.length; i++) {
        cumulative += s.buckets[i]!;
        values.push({
          labels: { ...s.labels, le: BUCKETS[i]! },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.all.clear();
  }

  /** The one instance on `registry`, registered at first use. */
  static of(registry: Registry): RequestHistogram {
    const existing = registry.getSingleMetric('mahavishnu_request_duration_seconds');
    if (existing) return existing as unknown as RequestHistogram;
    const h = new RequestHistogram();
    registry.registerMetric(h as never);
    return h;
  }
}
