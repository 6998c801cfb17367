import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { atTime, type Clock } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { retryDelayMs, webhookAttemptsMaxBound } from './backoff.js';
import { repeatEvery } from '../core/index.js';

/**
 * Durable timers: due work (auto-confirm, auto-close, a settlement to resume) kept in the `timers`
 * table, one row per unique key, and run by a worker loop in every Hutong process.
 *
 * - Claim: a short transaction takes due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
 *   processes never wait on or take the same row; on SQLite the single writer makes it atomic) and
 *   stamps each with a fresh claim token and a lease (`locked_until`).
 * - Run, exactly once in effect: for `inUnit` handlers the effect and the job's removal are one
 *   writer unit that first re-checks the claim token. If the lease ran out and another worker took
 *   the job meanwhile, the token no longer matches and the unit rolls back, effect and all. A
 *   crash before commit leaves the job due again when its lease ends.
 * - `outside` handlers (they call a channel, which cannot join a transaction) must be idempotent:
 *   they may run again after a crash, and the job is removed afterwards.
 * - A failing handler is retried with backoff up to `attemptsMax`, then the job is `failed` and
 *   left for an operator to see.
 *
 * Time comes from the injected clock; tests call `runDue()` after moving a ManualClock.
 *
 * A job with a `testClockId` belongs to an object on a test clock (src/events/test-clocks.ts): its
 * `due_at` is on that clock's time, the real-time loop never takes it, and only an advance of the
 * clock runs it (`runNextOfClock`), one at a time in due order, inside `atTime(due)` so that the
 * object's module stamps it with the clock's time. Leases stay on the wall clock.
 */
export interface TimerJob {
  readonly key: string;
  readonly kind: string;
  readonly dueAt: string;
  readonly payload: Record<string, unknown>;
  readonly attempts: number;
  /** The test clock whose time the job is due on; null: the wall clock. */
  readonly testClockId: string | null;
}

/** What to schedule: `testClockId` puts the job on a test clock's time (the caller's object is on it). */
export interface NewTimerJob {
  readonly kind: string;
  readonly key: string;
  readonly dueAt: Date;
  readonly payload?: Record<string, unknown>;
  readonly testClockId?: string | null;
}

/** What a handler may answer: nothing (done), or a later time to run again (e.g. not ready yet). */
export type TimerOutcome = undefined | { readonly retryAt: Date; readonly payload?: Record<string, unknown> };

export type TimerHandler =
  | {
      readonly inUnit: (trx: Transaction<Database>, job: TimerJob) => Promise<TimerOutcome>;
      readonly keys?: (job: TimerJob) => readonly string[];
    }
  | { readonly outside: (job: TimerJob) => Promise<TimerOutcome>; readonly leaseMs?: number };

export interface TimerSettings {
  readonly leaseMs: number;
  readonly batchMax: number;
  readonly attemptsMax: number;
  readonly intervalMs: number;
}

export const defaultTimerSettings: TimerSettings = { leaseMs: 60_000, batchMax: 50, attemptsMax: 10, intervalMs: 1_000 };

type Trx = Transaction<Database>;

export function createTimers(deps: {
  store: Store;
  writer: Writer;
  clock: Clock;
  settings?: TimerSettings;
  onError?: (error: unknown) => void;
}) {
  const { store, writer, clock } = deps;
  const settings = deps.settings ?? defaultTimerSettings;
  const handlers = new Map<string, TimerHandler>();
  const loop = repeatEvery(settings.intervalMs, runDue, (error: unknown) => deps.onError?.(error));

  function register(kind: string, handler: TimerHandler): void {
    assert.ok(!handlers.has(kind), `timer kind ${kind} is registered once`);
    handlers.set(kind, handler);
  }

  /** Schedules (or moves) the job with this key, inside the caller's unit. */
  async function schedule(trx: Trx, job: NewTimerJob): Promise<void> {
    const at = clock.now().toISOString();
    const row = {
      key: job.key,
      kind: job.kind,
      status: 'pending',
      due_at: job.dueAt.toISOString(),
      payload: JSON.stringify(job.payload ?? {}),
      attempts: 0n,
      locked_until: null,
      claimed_by: null,
      last_error: null,
      created_at: at,
      updated_at: at,
      test_clock_id: job.testClockId ?? null,
    };
    await trx
      .insertInto('timers')
      .values(row)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          kind: row.kind,
          status: 'pending',
          due_at: row.due_at,
          payload: row.payload,
          attempts: 0n,
          locked_until: null,
          claimed_by: null,
          last_error: null,
          updated_at: at,
          test_clock_id: row.test_clock_id,
        }),
      )
      .execute();
  }

  /** Schedules the job only if no job has this key yet (a recurring job that must not be moved). */
  async function scheduleIfAbsent(trx: Trx, job: NewTimerJob): Promise<void> {
    const at = clock.now().toISOString();
    await trx
      .insertInto('timers')
      .values({
        key: job.key,
        kind: job.kind,
        status: 'pending',
        due_at: job.dueAt.toISOString(),
        payload: JSON.stringify(job.payload ?? {}),
        attempts: 0n,
        locked_until: null,
        claimed_by: null,
        last_error: null,
        created_at: at,
        updated_at: at,
        test_clock_id: job.testClockId ?? null,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  /** Cancels the job with this key (if any), inside the caller's unit. */
  async function cancel(trx: Trx, key: string): Promise<void> {
    await trx.deleteFrom('timers').where('key', '=', key).execute();
  }

  async function get(key: string): Promise<Database['timers'] | undefined> {
    return store.reader.selectFrom('timers').selectAll().where('key', '=', key).executeTakeFirst();
  }

  async function claim(limit: number): Promise<{ job: TimerJob; token: string }[]> {
    const now = clock.now();
    const nowIso = now.toISOString();
    const token = randomBytes(9).toString('base64url');
    return store.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('timers')
        .selectAll()
        .where('status', '=', 'pending')
        .where('test_clock_id', 'is', null)
        .where('due_at', '<=', nowIso)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowIso)]))
        .orderBy('due_at')
        .orderBy('key')
        .limit(limit);
      if (store.dialect === 'postgres') query = query.forUpdate().skipLocked();
      const rows = await query.execute();
      if (rows.length === 0) return [];
      const leaseUntil = new Date(now.getTime() + settings.leaseMs).toISOString();
      await trx
        .updateTable('timers')
        .set((eb) => ({ attempts: eb('attempts', '+', 1n), locked_until: leaseUntil, claimed_by: token, updated_at: nowIso }))
        .where(
          'key',
          'in',
          rows.map((r) => r.key),
        )
        .execute();
      return rows.map((r) => ({ token, job: jobOf(r) }));
    });
  }

  function jobOf(r: Database['timers']): TimerJob {
    return {
      key: r.key,
      kind: r.kind,
      dueAt: r.due_at,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      attempts: Number(r.attempts) + 1,
      testClockId: r.test_clock_id,
    };
  }

  /**
   * A test clock's next job due by `upTo` (its time), claimed; `waiting`: the next one is held by
   * another worker's lease (one that died, say), and runs after it; `idle`: none is due by `upTo`.
   */
  async function claimNextOfClock(clockId: string, upTo: Date): Promise<{ job: TimerJob; token: string } | 'idle' | 'waiting'> {
    const nowIso = clock.now().toISOString();
    const token = randomBytes(9).toString('base64url');
    return store.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('timers')
        .selectAll()
        .where('status', '=', 'pending')
        .where('test_clock_id', '=', clockId)
        .where('due_at', '<=', upTo.toISOString())
        .orderBy('due_at')
        .orderBy('key')
        .limit(1);
      if (store.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (row === undefined) return 'idle';
      if (row.locked_until !== null && row.locked_until > nowIso) return 'waiting';
      const leaseUntil = new Date(clock.now().getTime() + settings.leaseMs).toISOString();
      await trx
        .updateTable('timers')
        .set({ attempts: row.attempts + 1n, locked_until: leaseUntil, claimed_by: token, updated_at: nowIso })
        .where('key', '=', row.key)
        .execute();
      return { token, job: jobOf(row) };
    });
  }

  /**
   * Runs a test clock's next job due by `upTo`, at its due time (never before `floor`, the clock's
   * time so far): what the clock's advance calls until it answers `idle`.
   */
  async function runNextOfClock(clockId: string, upTo: Date, floor: Date): Promise<{ ran: string; at: Date } | 'idle' | 'waiting'> {
    const claimed = await claimNextOfClock(clockId, upTo);
    if (typeof claimed === 'string') return claimed;
    const due = new Date(claimed.job.dueAt);
    const at = due.getTime() < floor.getTime() ? floor : due;
    await atTime(at, () => runOne(claimed.job, claimed.token));
    return { ran: claimed.job.key, at };
  }

  /** A deleted test clock: its jobs go back to the wall clock (their due times unchanged). */
  async function releaseClock(trx: Trx, clockId: string): Promise<void> {
    await trx
      .updateTable('timers')
      .set({ test_clock_id: null, updated_at: clock.now().toISOString() })
      .where('test_clock_id', '=', clockId)
      .execute();
  }

  /** Inside a unit: the claim still holds (locks the row on PostgreSQL until commit). */
  async function stillClaimed(trx: Trx, key: string, token: string): Promise<boolean> {
    const held = await trx
      .updateTable('timers')
      .set({ claimed_by: token })
      .where('key', '=', key)
      .where('claimed_by', '=', token)
      .executeTakeFirst();
    return held.numUpdatedRows === 1n;
  }

  /** Removes the job, or moves it to `retryAt` — only under the same claim. */
  async function finish(trx: Trx, key: string, token: string, outcome: TimerOutcome): Promise<void> {
    if (outcome === undefined) {
      await trx.deleteFrom('timers').where('key', '=', key).where('claimed_by', '=', token).execute();
      return;
    }
    await trx
      .updateTable('timers')
      .set({
        due_at: outcome.retryAt.toISOString(),
        ...(outcome.payload === undefined ? {} : { payload: JSON.stringify(outcome.payload) }),
        attempts: 0n,
        locked_until: null,
        claimed_by: null,
        updated_at: clock.now().toISOString(),
      })
      .where('key', '=', key)
      .where('claimed_by', '=', token)
      .execute();
  }

  async function runOne(job: TimerJob, token: string): Promise<boolean> {
    const handler = handlers.get(job.kind);
    if (handler === undefined) return failJob(job, token, `no handler for timer kind ${job.kind}`);
    try {
      if ('inUnit' in handler) {
        const done = await writer.run(
          async (trx) => {
            if (!(await stillClaimed(trx, job.key, token))) return false;
            const outcome = await handler.inUnit(trx, job);
            await finish(trx, job.key, token, outcome);
            return true;
          },
          { keys: [`timer:${job.key}`, ...(handler.keys?.(job) ?? [])] },
        );
        return done;
      }
      // A long job (a settlement run) holds its claim longer than the default lease.
      if (handler.leaseMs !== undefined) {
        const until = new Date(clock.now().getTime() + handler.leaseMs).toISOString();
        await writer.run(
          (trx) =>
            trx.updateTable('timers').set({ locked_until: until }).where('key', '=', job.key).where('claimed_by', '=', token).execute(),
          { keys: [`timer:${job.key}`] },
        );
      }
      const outcome = await handler.outside(job);
      return writer.run(
        async (trx) => {
          if (!(await stillClaimed(trx, job.key, token))) return false;
          await finish(trx, job.key, token, outcome);
          return true;
        },
        { keys: [`timer:${job.key}`] },
      );
    } catch (error) {
      deps.onError?.(error);
      return failJob(job, token, String(error));
    }
  }

  async function failJob(job: TimerJob, token: string, why: string): Promise<false> {
    const spent = job.attempts >= settings.attemptsMax;
    // A test clock's job is retried on the clock's time (its due time, not the wall clock's).
    const base = job.testClockId === null ? clock.now() : new Date(job.dueAt);
    const retryAt = new Date(base.getTime() + retryDelayMs(Math.min(job.attempts, webhookAttemptsMaxBound))).toISOString();
    await writer.run(
      async (trx) => {
        await trx
          .updateTable('timers')
          .set({
            status: spent ? 'failed' : 'pending',
            due_at: spent ? job.dueAt : retryAt,
            locked_until: null,
            claimed_by: null,
            last_error: why.slice(0, 500),
            updated_at: clock.now().toISOString(),
          })
          .where('key', '=', job.key)
          .where('claimed_by', '=', token)
          .execute();
      },
      { keys: [`timer:${job.key}`] },
    );
    return false;
  }

  /** Runs every job due now (in rounds of `batchMax`, at most `roundsMax` rounds); returns how many ran. */
  async function runDue(options: { roundsMax?: number } = {}): Promise<number> {
    let ran = 0;
    const roundsMax = options.roundsMax ?? 20;
    for (let round = 0; round < roundsMax; round++) {
      const claimed = await claim(settings.batchMax);
      if (claimed.length === 0) break;
      for (const { job, token } of claimed) if (await runOne(job, token)) ran++;
      if (claimed.length < settings.batchMax) break;
    }
    return ran;
  }

  return {
    register,
    schedule,
    scheduleIfAbsent,
    cancel,
    get,
    runDue,
    runNextOfClock,
    releaseClock,
    start: loop.start,
    stop: loop.stop,
  };
}

export type Timers = ReturnType<typeof createTimers>;
