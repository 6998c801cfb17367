import type { WriterStats } from '../store/index.js';
import type { WriterFigures } from './model.js';

/** The writer's counters only grow; a phase's figures are the difference of two snapshots. */
export function snapshot(stats: WriterStats): WriterStats {
  return { ...stats };
}

export function writerFigures(before: WriterStats, after: WriterStats): WriterFigures {
  const batches = after.batches - before.batches;
  const units = after.units - before.units;
  return {
    batches,
    units,
    averageBatchSize: batches === 0 ? 0 : units / batches,
    largestBatchSinceStart: after.largestBatch,
    retriedAlone: after.retriedAlone - before.retriedAlone,
  };
}
