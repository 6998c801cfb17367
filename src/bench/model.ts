import type { Dialect } from '../store/index.js';
import type { CardClientFigures } from './card-job.js';

/** The figures of one run, as printed and as written to bench/results/*.json. */

export interface WriterFigures {
  readonly batches: number;
  readonly units: number;
  readonly averageBatchSize: number;
  /** The writer only keeps a running maximum, so this covers seeding and earlier phases too. */
  readonly largestBatchSinceStart: number;
  readonly retriedAlone: number;
}

export interface LedgerFigures {
  readonly inFlightMax: number;
  readonly durationMs: number;
  readonly succeededCount: number;
  readonly insufficientFundsCount: number;
  /** Other business failures and thrown errors, by failure code or error name. */
  readonly otherOutcomes: Readonly<Record<string, number>>;
  readonly ratePerSec: number;
  readonly writer: WriterFigures;
}

export interface BaselineFigures {
  /** Which baseline ran, e.g. "pgbench TPC-B" or "raw better-sqlite3". */
  readonly name: string;
  readonly description: string;
  readonly durationMs: number;
  readonly transactionsCount: number;
  readonly insufficientFundsCount: number;
  readonly ratePerSec: number;
}

export interface VerifyFigures {
  readonly ok: boolean;
  readonly failedChecks: readonly string[];
  readonly accountsCount: number;
  readonly entriesCount: number;
  readonly postingsCount: number;
}

export interface HttpFigures {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly requestsCount: number;
  /** autocannon's mean of its per-second samples, all responses. */
  readonly ratePerSec: number;
  readonly ok2xxCount: number;
  /** 2xx responses over the whole run: the figure the targets and ratios use. */
  readonly ok2xxPerSec: number;
  readonly non2xxCount: number;
  readonly errorsCount: number;
  readonly timeoutsCount: number;
  readonly latencyAverageMs: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
}

export interface Target {
  /** e.g. "≥ 1.5×" or "p99 ≤ 50 ms". */
  readonly description: string;
  readonly met: boolean;
  /** How far the figure got toward the target: 1 is exactly on it, 0.5 half way (inverted for "≤" targets). */
  readonly attainment: number;
}

export interface LedgerReport {
  readonly service: LedgerFigures;
  /** The faster of `baselineRuns`: the one the ratio and target use. */
  readonly baseline: BaselineFigures;
  /** The baseline measured just before and just after the service run. */
  readonly baselineRuns: readonly BaselineFigures[];
  readonly ratio: number;
  readonly target: Target;
  readonly verify: VerifyFigures;
  /** Deadlocks PostgreSQL detected during the service measurement (each one cost deadlock_timeout); null on SQLite. */
  readonly deadlocksCount: number | null;
}

export interface HttpReport {
  readonly hutong: HttpFigures;
  readonly bare: HttpFigures;
  readonly ratio: number;
  /** Only SQLite carries HTTP targets (the issue's embedded-default promise). */
  readonly targets: readonly Target[];
  readonly writer: WriterFigures;
  readonly verify: VerifyFigures;
  readonly deadlocksCount: number | null;
}

/** Per brand: what Hutong captured from the card beside what the sandbox issuer posted to it. */
export interface CardIssuerCheck {
  readonly brand: string;
  readonly currency: string;
  /** Succeeded payments with this brand in the database (warm-up included). */
  readonly succeededCount: number;
  /** Minor units as decimal strings. */
  readonly hutongCapturedMinor: string;
  readonly issuerPostedMinor: string;
  readonly issuerPendingMinor: string;
  readonly matches: boolean;
}

export interface CardReport {
  /** Card payments (create + confirm, automatic capture) through HTTP and ISO 8583 to the sandbox. */
  readonly client: CardClientFigures;
  /** The service-layer ledger transfers/s of the same store in the same run: the baseline. */
  readonly ledgerRatePerSec: number;
  /** Card payments/s ÷ ledger transfers/s. */
  readonly ratio: number;
  /** Only SQLite carries card targets, as for HTTP. */
  readonly targets: readonly Target[];
  readonly writer: WriterFigures;
  readonly verify: VerifyFigures;
  /** Succeeded payments in the database; must equal the client's `succeededTotalCount`. */
  readonly succeededInDbCount: number;
  readonly countsMatch: boolean;
  readonly issuers: readonly CardIssuerCheck[];
  readonly deadlocksCount: number | null;
}

export interface WriterSettings {
  readonly batchSizeMax: number;
  readonly windowMs: number;
  readonly flushesMax: number;
}

export type StoreReport =
  | {
      readonly store: Dialect;
      readonly status: 'measured';
      readonly writerSettings: WriterSettings;
      readonly ledger: LedgerReport;
      readonly http: HttpReport;
      readonly cards: CardReport;
    }
  | { readonly store: Dialect; readonly status: 'skipped' | 'failed'; readonly reason: string };

export interface MachineInfo {
  readonly cpusCount: number;
  readonly cpuModel: string;
  readonly memoryTotalBytes: number;
  readonly platform: string;
  readonly release: string;
  readonly nodeVersion: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly settings: unknown;
  readonly stores: readonly StoreReport[];
}
