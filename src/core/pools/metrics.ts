import { Counter, Gauge, Histogram, type Registry } from '../prom.js';

/** Pool and workflow metrics, on the core's registry. Labels stay low-cardinality: pool name, state. */
export class PoolMetrics {
  readonly activeWorkflows: Gauge;
  readonly workers: Gauge<'pool' | 'state'>;
  readonly queueDepth: Gauge<'pool'>;
  readonly stepDuration: Histogram<'pool' | 'outcome'>;
  readonly stepRetries: Counter<'pool'>;
  readonly stepFailures: Counter<'pool'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.activeWorkflows = new Gauge({
      name: 'mahavishnu_active_workflows',
      help: 'Workflow runs queued or running (in the whole state store).',
      registers,
    });
    this.workers = new Gauge({
      name: 'mahavishnu_pool_workers',
      help: 'Worker processes of this server by pool and state (starting, idle, busy, draining).',
      labelNames: ['pool', 'state'] as const,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'mahavishnu_pool_queue_depth',
      help: 'Steps queued for a pool and not yet claimed.',
      labelNames: ['pool'] as const,
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'mahavishnu_step_duration_seconds',
      help: 'Run time of workflow steps executed by this server, by pool and outcome.',
      labelNames: ['pool', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
      registers,
    });
    this.stepRetries = new Counter({
      name: 'mahavishnu_step_retries_total',
      help: 'Step attempts that failed and were queued again.',
      labelNames: ['pool'] as const,
      registers,
    });
    this.stepFailures = new Counter({
      name: 'mahavishnu_step_failures_total',
      help: 'Steps that ended failed after their last attempt.',
      labelNames: ['pool'] as const,
      registers,
    });
  }
}
