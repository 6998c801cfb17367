import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { fail, isFailure, newId, repeatEvery, type Clock, type Failure } from '../core/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Outbox } from './outbox.js';
import type { Timers } from './timers.js';

/**
 * Test clocks (issue 12; Stripe's test clocks are the model): a merchant's simulated time for
 * test-mode objects. An object created on a clock (an escrow trade names `test_clock`) keeps the
 * clock's time: its timestamps are the clock's and its timers are due on the clock's time, so the
 * real-time loop never fires them (src/events/timers.ts). Advancing the clock to a later time runs,
 * in due order and each once, every timer of its objects that falls due by then, each at its own
 * due time; then the clock stands at the new time.
 *
 * - A clock only moves forward, by at most `advanceMaxMs` at a time; `status` is `advancing` while
 *   an advance runs and `ready` after. A second advance while one runs is refused
 *   (`test_clock_advancing`), as are steps on the clock's objects by anyone but its timers.
 * - Durable: the advance's target is stored before it starts; the process that runs it holds a
 *   lease (`locked_until`) that it renews after each timer. If it dies, `resume()` (on the timers'
 *   loop) takes the clock over when the lease ends and carries on from the clock's time so far;
 *   each timer's own claim (src/events/timers.ts) keeps a timer from running twice.
 * - Deleting a clock (not while it advances) hands its objects' timers back to the wall clock.
 * - One merchant never sees another's clocks; test mode only (the API refuses live keys).
 */
export const testClockLimits = {
  /** Clocks a merchant may hold at once (delete some to make more). */
  perMerchant: 100,
  /** How far one advance may move a clock: two years (the longest escrow period is one). */
  advanceMaxMs: 2 * 366 * 24 * 60 * 60 * 1000,
  /** `frozen_time` lies in this range. */
  earliest: Date.parse('2000-01-01T00:00:00Z'),
  latest: Date.parse('2100-01-01T00:00:00Z'),
} as const;

export enum TestClockError {
  /** Also answered for another merchant's clock: existence is not leaked across tenants. */
  NotFound = 'test_clock_not_found',
  Advancing = 'test_clock_advancing',
  TimeInvalid = 'test_clock_time_invalid',
  LimitReached = 'test_clock_limit_reached',
  CursorInvalid = 'cursor_invalid',
}

export type TestClockStatus = 'ready' | 'advancing';

export interface TestClock {
  readonly id: string;
  readonly merchantId: string;
  readonly name: string | null;
  readonly status: TestClockStatus;
  readonly frozenTime: string;
  readonly advanceTo: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TestClockSettings {
  /** How long an advancing process holds the clock without renewing it. */
  readonly leaseMs: number;
  /** How often the loop looks for advances to resume. */
  readonly intervalMs: number;
}

export const defaultTestClockSettings: TestClockSettings = { leaseMs: 30_000, intervalMs: 1_000 };

type Trx = Transaction<Database>;

function toTestClock(row: Database['test_clocks']): TestClock {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    name: row.name,
    status: row.status as TestClockStatus,
    frozenTime: row.frozen_time,
    advanceTo: row.advance_to,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The clock as the API and its events show it. */
export function testClockView(c: TestClock) {
  return {
    id: c.id,
    object: 'test_clock' as const,
    name: c.name,
    status: c.status,
    frozen_time: c.frozenTime,
    advancing_to: c.advanceTo,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function createTestClocks(deps: {
  store: Store;
  writer: Writer;
  /** The wall clock: leases and the clocks' own created/updated times. */
  clock: Clock;
  timers: Pick<Timers, 'runNextOfClock' | 'releaseClock'>;
  events: Pick<Outbox, 'recordEvent'>;
  settings?: TestClockSettings;
  onError?: (error: unknown) => void;
}) {
  const { store, writer, clock, timers, events } = deps;
  const settings = deps.settings ?? defaultTestClockSettings;
  const now = () => clock.now().toISOString();
  /** Advances this process is running now, by clock id. */
  const running = new Map<string, Promise<void>>();
  const loop = repeatEvery(settings.intervalMs, resume, (error: unknown) => deps.onError?.(error));

  async function lockClock(trx: Trx, id: string): Promise<TestClock | undefined> {
    let query = trx.selectFrom('test_clocks').selectAll().where('id', '=', id);
    if (store.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : toTestClock(row);
  }

  async function emit(trx: Trx, c: TestClock, type: string): Promise<void> {
    await events.recordEvent(trx, { merchantId: c.merchantId, type, objectType: 'test_clock', objectId: c.id, data: testClockView(c) });
  }

  const notFound = (id: string) => fail(TestClockError.NotFound, `no test clock ${id}`);

  function timeProblem(at: Date): Failure<TestClockError> | undefined {
    if (Number.isNaN(at.getTime()) || at.getTime() < testClockLimits.earliest || at.getTime() >= testClockLimits.latest)
      return fail(TestClockError.TimeInvalid, 'frozen_time must be a time from 2000-01-01 to before 2100-01-01');
    return undefined;
  }

  async function create(merchantId: string, input: { frozenTime: Date; name?: string }): Promise<TestClock | Failure<TestClockError>> {
    const bad = timeProblem(input.frozenTime);
    if (bad !== undefined) return bad;
    const at = now();
    const row: Database['test_clocks'] = {
      id: newId('clock', clock.now().getTime()),
      merchant_id: merchantId,
      name: input.name ?? null,
      status: 'ready',
      frozen_time: input.frozenTime.toISOString(),
      advance_to: null,
      locked_until: null,
      claimed_by: null,
      created_at: at,
      updated_at: at,
    };
    return writer.run(
      async (trx) => {
        const held = await trx
          .selectFrom('test_clocks')
          .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
          .where('merchant_id', '=', merchantId)
          .executeTakeFirstOrThrow();
        if (Number(held.n) >= testClockLimits.perMerchant)
          return fail(
            TestClockError.LimitReached,
            `a merchant holds at most ${testClockLimits.perMerchant} test clocks; delete some first`,
          );
        await trx.insertInto('test_clocks').values(row).execute();
        const made = toTestClock(row);
        await emit(trx, made, 'test_clock.created');
        return made;
      },
      { keys: [`test_clocks:${merchantId}`] },
    );
  }

  async function find(id: string): Promise<TestClock | undefined> {
    const row = await store.reader.selectFrom('test_clocks').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toTestClock(row);
  }

  async function get(merchantId: string, id: string): Promise<TestClock | Failure<TestClockError>> {
    const c = await find(id);
    return c === undefined || c.merchantId !== merchantId ? notFound(id) : c;
  }

  async function list(merchantId: string, request: PageRequest): Promise<Page<TestClock> | Failure<TestClockError>> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined)
      return fail(TestClockError.CursorInvalid, 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    const query = store.reader.selectFrom('test_clocks').selectAll().where('merchant_id', '=', merchantId);
    return toPage(await pageQuery(query, after, limit).execute(), limit, toTestClock);
  }

  /**
   * Starts moving the clock to `to`: the answer is the clock `advancing`; the timers run after it
   * (in this process, or in another that resumes the advance if this one stops).
   */
  async function advance(merchantId: string, id: string, to: Date): Promise<TestClock | Failure<TestClockError>> {
    const bad = timeProblem(to);
    if (bad !== undefined) return bad;
    const started = await writer.run(
      async (trx) => {
        const c = await lockClock(trx, id);
        if (c === undefined || c.merchantId !== merchantId) return notFound(id);
        if (c.status === 'advancing')
          return fail(TestClockError.Advancing, `test clock ${id} is advancing to ${c.advanceTo}; wait until it is ready`);
        const from = Date.parse(c.frozenTime);
        if (to.getTime() <= from)
          return fail(TestClockError.TimeInvalid, `a test clock only moves forward: frozen_time must be after ${c.frozenTime}`);
        if (to.getTime() - from > testClockLimits.advanceMaxMs)
          return fail(TestClockError.TimeInvalid, 'one advance moves a test clock by at most two years');
        await trx
          .updateTable('test_clocks')
          .set({ status: 'advancing', advance_to: to.toISOString(), locked_until: null, claimed_by: null, updated_at: now() })
          .where('id', '=', id)
          .execute();
        const advancing = (await lockClock(trx, id)) as TestClock;
        await emit(trx, advancing, 'test_clock.advancing');
        return advancing;
      },
      { keys: [`test_clock:${id}`] },
    );
    if (!isFailure(started)) drive(id);
    return started;
  }

  /** Runs the clock's advance in the background (once per process at a time). */
  function drive(id: string): Promise<void> {
    const current = running.get(id);
    if (current !== undefined) return current;
    const done = run(id)
      .catch((error: unknown) => deps.onError?.(error))
      .finally(() => running.delete(id));
    running.set(id, done);
    return done;
  }

  /** Takes the clock's lease if it is advancing and nobody holds it; the token, or undefined. */
  async function takeLease(id: string): Promise<string | undefined> {
    const token = randomBytes(9).toString('base64url');
    const at = clock.now();
    const taken = await writer.run(
      (trx) =>
        trx
          .updateTable('test_clocks')
          .set({ claimed_by: token, locked_until: new Date(at.getTime() + settings.leaseMs).toISOString() })
          .where('id', '=', id)
          .where('status', '=', 'advancing')
          .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at.toISOString())]))
          .executeTakeFirst(),
      { keys: [`test_clock:${id}`] },
    );
    return taken.numUpdatedRows === 1n ? token : undefined;
  }

  /** Under our lease only: sets some of the clock's columns and renews the lease; false if the lease was lost. */
  async function underLease(id: string, token: string, set: Partial<Database['test_clocks']>, finish?: TestClock): Promise<boolean> {
    return writer.run(
      async (trx) => {
        const lease = finish === undefined ? { locked_until: new Date(clock.now().getTime() + settings.leaseMs).toISOString() } : {};
        const changed = await trx
          .updateTable('test_clocks')
          .set({ ...set, ...lease })
          .where('id', '=', id)
          .where('claimed_by', '=', token)
          .executeTakeFirst();
        if (changed.numUpdatedRows !== 1n) return false;
        if (finish !== undefined) await emit(trx, (await lockClock(trx, id)) as TestClock, 'test_clock.ready');
        return true;
      },
      { keys: [`test_clock:${id}`] },
    );
  }

  async function run(id: string): Promise<void> {
    const token = await takeLease(id);
    if (token === undefined) return;
    for (;;) {
      const c = await find(id);
      if (c === undefined || c.status !== 'advancing' || c.advanceTo === null) return;
      const next = await timers.runNextOfClock(id, new Date(c.advanceTo), new Date(c.frozenTime));
      if (next === 'waiting') {
        // A timer of this clock is held by a worker that died: let its lease run out; the loop resumes us.
        await underLease(id, token, { claimed_by: null, locked_until: null });
        return;
      }
      if (next === 'idle') {
        await underLease(
          id,
          token,
          { status: 'ready', frozen_time: c.advanceTo, advance_to: null, claimed_by: null, locked_until: null, updated_at: now() },
          c,
        );
        return;
      }
      // The clock's time so far: the due time of the timer that just ran (it never goes back).
      const reached = next.at.toISOString() > c.frozenTime ? next.at.toISOString() : c.frozenTime;
      if (!(await underLease(id, token, { frozen_time: reached }))) return;
    }
  }

  /** Resumes advances whose process stopped (their lease ran out); the loop calls it. */
  async function resume(): Promise<number> {
    const at = now();
    const stalled = await store.reader
      .selectFrom('test_clocks')
      .select('id')
      .where('status', '=', 'advancing')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .limit(20)
      .execute();
    const todo = stalled.filter((r) => !running.has(r.id));
    await Promise.all(todo.map((r) => drive(r.id)));
    return todo.length;
  }

  /** Deletes a ready clock; its objects' timers go back to the wall clock. */
  async function remove(merchantId: string, id: string): Promise<{ id: string } | Failure<TestClockError>> {
    return writer.run(
      async (trx) => {
        const c = await lockClock(trx, id);
        if (c === undefined || c.merchantId !== merchantId) return notFound(id);
        if (c.status === 'advancing') return fail(TestClockError.Advancing, `test clock ${id} is advancing; delete it when it is ready`);
        await timers.releaseClock(trx, id);
        await trx.deleteFrom('test_clocks').where('id', '=', id).execute();
        await emit(trx, c, 'test_clock.deleted');
        return { id };
      },
      { keys: [`test_clock:${id}`] },
    );
  }

  /** For the modules whose objects run on clocks: a clock's owner, status and time (undefined: no such clock). */
  async function timeOf(
    db: Store['reader'] | Trx,
    id: string,
  ): Promise<{ merchantId: string; status: TestClockStatus; frozenTime: Date } | undefined> {
    const row = await db.selectFrom('test_clocks').select(['merchant_id', 'status', 'frozen_time']).where('id', '=', id).executeTakeFirst();
    return row === undefined
      ? undefined
      : { merchantId: row.merchant_id, status: row.status as TestClockStatus, frozenTime: new Date(row.frozen_time) };
  }

  /** Waits for the advances this process runs now (tests; shutdown). */
  async function settled(): Promise<void> {
    while (running.size > 0) await Promise.all([...running.values()]);
  }

  return {
    create,
    get,
    list,
    advance,
    remove,
    timeOf,
    resume,
    settled,
    start: loop.start,
    async stop() {
      await loop.stop();
      await settled();
    },
  };
}

export type TestClocks = ReturnType<typeof createTestClocks>;
