import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecoveryAction, StuckCounts } from '../payments/index.js';
import type { Writer } from '../store/index.js';

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

/**
 * After a crash (issue 12): what the payment recovery sweep repaired since start, by action, and
 * what is open past its grace period now (payments in processing, capture/cancel claims, pending
 * refunds), read from the store at scrape time.
 */
export function registerRecoveryMetrics(
  metrics: Metrics,
  sweeper: { recovered(): Readonly<Record<RecoveryAction, number>>; stuck(): Promise<StuckCounts> },
): void {
  const { registry } = metrics;
  new Counter({
    name: 'hutong_recovery_actions_total',
    help: 'Repairs by the payment recovery sweep since start, by action',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [action, count] of Object.entries(sweeper.recovered())) this.inc({ action }, count);
    },
  });
  new Gauge({
    name: 'hutong_recovery_stuck',
    help: 'Payment work open past the recovery grace period, by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const stuck = await sweeper.stuck();
      this.set({ kind: 'processing' }, stuck.processing);
      this.set({ kind: 'claimed' }, stuck.claimed);
      this.set({ kind: 'refund_pending' }, stuck.refundsPending);
    },
  });
}
