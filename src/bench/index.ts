/** `npm run bench` (docs/benchmarks.md): the figures beside their baselines, measured in the same run. */
export * from './run.js';
export { runSettlementBench } from './settlement.js';
