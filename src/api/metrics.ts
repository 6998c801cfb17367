import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Writer } from '../store/writer.js';

/** Prometheus metrics at /metrics: HTTP latency, problems by code, the writer's batching. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'hutong_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const problems = new Counter({
    name: 'hutong_problems_total',
    help: 'Problem responses by code',
    labelNames: ['code'],
    registers: [registry],
  });
  return { registry, httpDuration, problems };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Writer counters are read at scrape time, so the hot path pays nothing for them. */
export function registerWriterMetrics(metrics: Metrics, writer: Writer): void {
  const { registry } = metrics;
  new Counter({
    name: 'hutong_ledger_batches_total',
    help: 'Group-commit batches committed',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(writer.stats.batches);
    },
  });
  new Counter({
    name: 'hutong_ledger_units_total',
    help: 'Units of ledger work run through the group-commit writer',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(writer.stats.units);
    },
  });
}
