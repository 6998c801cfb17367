import assert from 'node:assert/strict';
import type { Kysely, Transaction } from 'kysely';
import { isFailure } from '../core/index.js';
import type { CommitMark, CommitProbe } from './commit-outcome.js';
import type { Database } from './schema.js';
import { statement, steps, type Exec } from './statements.js';

/**
 * Group commit (DESIGN.md §4): concurrent ledger writes are coalesced into one database transaction.
 *
 * - A batch opens when work is queued and no batch is running; while one runs, new work queues up and
 *   becomes the next batch. `windowMs` optionally holds a batch open a little longer to collect more.
 *   `batchSizeMax` bounds a batch and `queueDepthMax` bounds the queue (past it, `run` refuses).
 * - Each unit of work runs inside its own SAVEPOINT: if it throws or returns a Failure value, only
 *   its own writes are rolled back and its batch-mates commit.
 * - A caller's promise settles only after its batch's COMMIT returned (durable, synchronous=FULL on
 *   SQLite, fsync on PostgreSQL). If the COMMIT itself fails, every unit of the batch is retried
 *   alone, so one poisoned unit cannot fail the others.
 *
 * - A COMMIT whose connection was lost (PostgreSQL failover) may or may not have committed. With a
 *   `commitProbe` the writer asks the next primary (commit-outcome.ts): committed settles the batch
 *   as if the COMMIT had answered; not committed retries each unit alone (safe: nothing of it is
 *   durable); unknown rejects every unit with `WriterOutcomeUnknownError` and retries nothing, so
 *   no unit can apply twice. A connection lost before COMMIT was sent aborts the transaction, so
 *   those units are retried alone (after the pool found the new primary).
 *
 * Work must use only the transaction it is given (never the outer Kysely instance: on SQLite that
 * would wait on the very connection the batch holds).
 */
export type Work<T> = (trx: Transaction<Database>) => Promise<T>;

export interface WriterOptions {
  readonly batchSizeMax?: number;
  readonly windowMs?: number;
  readonly queueDepthMax?: number;
  /** Batches in flight at once. 1 on SQLite (one writer connection); more on PostgreSQL. */
  readonly flushesMax?: number;
  /** Attempts for a unit that hit a deadlock or serialization failure (PostgreSQL). */
  readonly conflictAttemptsMax?: number;
  /** PostgreSQL: finds out whether a COMMIT that lost its connection committed. */
  readonly commitProbe?: CommitProbe;
  /** Attempts for a unit retried alone after its connection was lost before COMMIT. */
  readonly lostAttemptsMax?: number;
}

export interface WriterStats {
  batches: number;
  units: number;
  largestBatch: number;
  retriedAlone: number;
  /** Batches whose COMMIT lost its connection, by what the probe found. */
  commitsLost: { committed: number; aborted: number; unknown: number };
}

export interface RunOptions {
  /**
   * Everything shared the unit may lock, usually its ledger account ids. Declared keys let
   * batches run concurrently (PostgreSQL, flushesMax > 1) without deadlocks; a unit without keys
   * runs only while no other batch is in flight.
   */
  readonly keys?: readonly string[];
}

export interface Writer {
  run<T>(work: Work<T>, options?: RunOptions): Promise<T>;
  readonly stats: WriterStats;
  /** Waits for queued work to finish; later `run` calls are refused. */
  close(): Promise<void>;
}

export class WriterOverloadedError extends Error {
  constructor(depth: number) {
    super(`ledger writer queue is full (${depth} waiting)`);
    this.name = 'WriterOverloadedError';
  }
}

interface Unit {
  work: Work<unknown>;
  /** The rows the unit may lock (ledger account ids); undefined = it may touch anything. */
  keys: readonly string[] | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  attempts: number;
}

/** A unit's COMMIT lost its connection and whether it committed cannot be known: nothing was retried. */
export class WriterOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super(
      `the database connection was lost during COMMIT and its outcome is unknown: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'WriterOutcomeUnknownError';
  }
}

type Outcome = { ok: true; value: unknown; committed?: (() => void)[] } | { ok: false; error: unknown };

/** The running unit's after-commit callbacks, by its batch's transaction (units of a batch run one at a time). */
const unitCallbacks = new WeakMap<Transaction<Database>, (() => void)[]>();

/**
 * Runs `callback` once the calling unit's writes are durable (after its batch's COMMIT, or after the
 * commit probe found it committed); never if the unit fails, returns a Failure or its batch does
 * not commit. For process-local caches of rows that, once committed, never go away (ledger accounts).
 * Outside a writer unit it does nothing.
 */
export function afterCommit(trx: Transaction<Database>, callback: () => void): void {
  unitCallbacks.get(trx)?.push(callback);
}

/** COMMIT was sent and failed on a lost connection; `outcomes` are what the units returned. */
class CommitLost extends Error {
  constructor(
    readonly lostBy: unknown,
    readonly mark: CommitMark,
    readonly outcomes: Outcome[],
  ) {
    super('COMMIT lost its connection');
  }
}

// PostgreSQL SQLSTATEs worth retrying: deadlock_detected, serialization_failure.
const retryableCodes = new Set(['40P01', '40001']);

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && retryableCodes.has(code);
}

const savepointSql = statement('savepoint unit');
const rollbackSql = statement('rollback to savepoint unit');
// Releasing the last unit's savepoint and opening the next one is one round trip on PostgreSQL;
// the batch's last savepoint is released by COMMIT.
const nextSavepointSql = steps(['release savepoint unit', 'savepoint unit']);

export function createWriter(db: Kysely<Database>, exec: Exec, options: WriterOptions = {}): Writer {
  const batchSizeMax = options.batchSizeMax ?? 256;
  const windowMs = options.windowMs ?? 0;
  const queueDepthMax = options.queueDepthMax ?? 20_000;
  const flushesMax = options.flushesMax ?? 1;
  const conflictAttemptsMax = options.conflictAttemptsMax ?? 5;
  const lostAttemptsMax = options.lostAttemptsMax ?? 3;
  const probe = options.commitProbe;
  assert.ok(batchSizeMax >= 1 && flushesMax >= 1 && queueDepthMax >= batchSizeMax);

  const queue: Unit[] = [];
  const stats: WriterStats = {
    batches: 0,
    units: 0,
    largestBatch: 0,
    retriedAlone: 0,
    commitsLost: { committed: 0, aborted: 0, unknown: 0 },
  };
  let flushing = 0;
  /** Keys held by batches in flight, with how many batches hold each. */
  const heldKeys = new Map<string, number>();
  let exclusive = false;
  let scheduled = false;
  let closed = false;
  let idle: (() => void) | undefined;

  function schedule(): void {
    if (scheduled || flushing >= flushesMax || queue.length === 0) return;
    scheduled = true;
    const start = (): void => {
      scheduled = false;
      void flush();
    };
    if (windowMs > 0 && queue.length < batchSizeMax) setTimeout(start, windowMs);
    else setImmediate(start);
  }

  /**
   * Takes the next batch. With one batch in flight at most, that is simply the head of the queue.
   * With several, a batch may only hold units whose keys no batch in flight holds, so concurrent
   * batches never lock the same rows and cannot deadlock; a unit without keys runs only when no
   * other batch is in flight, and then nothing else starts until its batch is done.
   */
  function takeBatch(): Unit[] {
    if (flushing === 0) {
      const batch = queue.splice(0, batchSizeMax);
      exclusive = batch.some((unit) => unit.keys === undefined);
      return batch;
    }
    if (exclusive) return [];
    const taken: Unit[] = [];
    const kept: Unit[] = [];
    const scanMax = batchSizeMax * 4;
    queue.forEach((unit, i) => {
      const free = i < scanMax && taken.length < batchSizeMax && unit.keys !== undefined && !unit.keys.some((key) => heldKeys.has(key));
      (free ? taken : kept).push(unit);
    });
    queue.splice(0, queue.length, ...kept);
    return taken;
  }

  function hold(batch: Unit[], delta: 1 | -1): void {
    for (const unit of batch) {
      for (const key of unit.keys ?? []) {
        const count = (heldKeys.get(key) ?? 0) + delta;
        if (count === 0) heldKeys.delete(key);
        else heldKeys.set(key, count);
      }
    }
  }

  async function flush(): Promise<void> {
    const batch = takeBatch();
    if (batch.length === 0) return;
    flushing++;
    hold(batch, 1);
    stats.batches++;
    stats.units += batch.length;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    schedule();
    try {
      await runBatch(batch);
    } finally {
      hold(batch, -1);
      flushing--;
      if (flushing === 0) exclusive = false;
      schedule();
      if (queue.length === 0 && flushing === 0) idle?.();
    }
  }

  async function runBatch(batch: Unit[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await inTransaction(batch);
    } catch (error) {
      if (error instanceof CommitLost) return resolveLost(batch, error);
      // BEGIN, a unit's statement or COMMIT failed and nothing of this batch is durable. Retry each unit alone.
      stats.retriedAlone += batch.length;
      for (const unit of batch) await runAlone(unit);
      return;
    }
    settle(batch, outcomes);
  }

  /** COMMIT lost its connection: ask whether it committed, then settle, retry or give up. */
  async function resolveLost(batch: Unit[], lost: CommitLost): Promise<void> {
    const outcome = await (probe as CommitProbe).outcome(lost.mark);
    stats.commitsLost[outcome]++;
    if (outcome === 'committed') return settle(batch, lost.outcomes);
    if (outcome === 'unknown') {
      const error = new WriterOutcomeUnknownError(lost.lostBy);
      for (const unit of batch) unit.reject(error);
      return undefined;
    }
    stats.retriedAlone += batch.length;
    for (const unit of batch) await runAlone(unit);
    return undefined;
  }

  async function runAlone(unit: Unit): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [outcome] = await inTransaction([unit]);
        settle([unit], [outcome as Outcome]);
        return;
      } catch (error) {
        if (error instanceof CommitLost) return resolveLost([unit], error);
        // Lost before COMMIT: the transaction aborted, so running the unit again is safe.
        if (probe !== undefined && probe.lost(error) && attempt < lostAttemptsMax) continue;
        unit.reject(error);
        return;
      }
    }
  }

  function settle(batch: Unit[], outcomes: Outcome[]): void {
    batch.forEach((unit, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) {
        for (const callback of outcome.committed ?? []) callback();
        return unit.resolve(outcome.value);
      }
      if (isRetryable(outcome.error) && unit.attempts < conflictAttemptsMax) {
        unit.attempts++;
        queue.push(unit);
        return undefined;
      }
      return unit.reject(outcome.error);
    });
    schedule();
  }

  async function inTransaction(batch: Unit[]): Promise<Outcome[]> {
    const trx = await db.startTransaction().execute();
    const outcomes: Outcome[] = [];
    let mark: CommitMark | undefined;
    try {
      for (const [i, unit] of batch.entries()) {
        await exec(trx, i === 0 ? savepointSql : nextSavepointSql, []);
        outcomes.push(await runUnit(trx, unit));
      }
      if (probe !== undefined) mark = await probe.mark(trx);
      try {
        await trx.commit().execute();
      } catch (error) {
        if (mark !== undefined && probe?.lost(error) === true) throw new CommitLost(error, mark, outcomes);
        throw error;
      }
    } catch (error) {
      // Also after a failed COMMIT: SQLite keeps the transaction open then, and Kysely only
      // releases the connection on a successful commit or on rollback.
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      throw error;
    }
    return outcomes;
  }

  /** Runs one unit after its savepoint; a failure rolls back to that savepoint, undoing only it. */
  async function runUnit(trx: Transaction<Database>, unit: Unit): Promise<Outcome> {
    const committed: (() => void)[] = [];
    unitCallbacks.set(trx, committed);
    try {
      const value = await unit.work(trx);
      if (isFailure(value)) {
        await exec(trx, rollbackSql, []);
        return { ok: true, value };
      }
      return { ok: true, value, committed };
    } catch (error) {
      // If the savepoint rollback itself fails the transaction is unusable: propagate.
      await exec(trx, rollbackSql, []);
      return { ok: false, error };
    } finally {
      unitCallbacks.delete(trx);
    }
  }

  return {
    stats,
    run<T>(work: Work<T>, options: RunOptions = {}): Promise<T> {
      if (closed) return Promise.reject(new Error('ledger writer is closed'));
      if (queue.length >= queueDepthMax) return Promise.reject(new WriterOverloadedError(queue.length));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work: work as Work<unknown>, keys: options.keys, resolve: resolve as (v: unknown) => void, reject, attempts: 1 });
        schedule();
      });
    },
    async close() {
      closed = true;
      if (queue.length === 0 && flushing === 0) return;
      await new Promise<void>((resolve) => {
        idle = resolve;
      });
    },
  };
}
