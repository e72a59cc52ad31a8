import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

// prom-client's index also loads default metrics, the push gateway, cluster aggregation and,
// through them, @opentelemetry/api: ~25 ms of every start. The core needs only these four
// classes, so it loads their files alone (the same module instances the index hands out, so
// metrics made here and by src/http/metrics.ts share one registry class).
const require = createRequire(import.meta.url);

export const Registry: typeof Prom.Registry = require('prom-client/lib/registry');
export const Counter: typeof Prom.Counter = require('prom-client/lib/counter');
export const Gauge: typeof Prom.Gauge = require('prom-client/lib/gauge');
export const Histogram: typeof Prom.Histogram = require('prom-client/lib/histogram');

export type Registry<T extends Prom.RegistryContentType = Prom.PrometheusContentType> = Prom.Registry<T>;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;
