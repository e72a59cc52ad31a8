import { Counter, Gauge, Histogram, Registry } from './prom.js';

/** Prometheus metrics owned by one core instance (a registry per core, so tests can run several). */
export class Metrics {
  readonly registry = new Registry();

  readonly toolCalls = new Counter({
    name: 'mahavishnu_tool_calls_total',
    help: 'Tool calls by tool and outcome (ok or an error code).',
    labelNames: ['tool', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly toolDuration = new Histogram({
    name: 'mahavishnu_tool_call_duration_seconds',
    help: 'Tool call latency in seconds, by tool.',
    labelNames: ['tool'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'mahavishnu_errors_total',
    help: 'Errors by source (tool, http) and code.',
    labelNames: ['source', 'code'] as const,
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'mahavishnu_build_info',
    help: 'Always 1; labels carry the version and Node.js version.',
    labelNames: ['version', 'node_version'] as const,
    registers: [this.registry],
  });

  constructor(version: string) {
    this.buildInfo.set({ version, node_version: process.version }, 1);
  }
}
