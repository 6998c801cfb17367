import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Transaction } from 'kysely';
import { type Clock, fail, type Failure, isFailure } from '../core/index.js';
import type { Database, Store, Writer } from '../store/index.js';
import { RiskError } from './errors.js';
import { beijingDayRange, type DayTotal, largeValueCsv, largeValueLines } from './large-value.js';
import type { RiskCase } from './cases.js';

/**
 * The daily AML job (issue 16): once a Beijing day is over, at the configured hour (China time),
 * the suspicious-activity scan of that day and its large-value transaction report.
 *
 * Exactly once across nodes and restarts:
 * - one durable timer (src/events/timers.ts) with a fixed key, scheduled only if absent, so every
 *   node's start agrees on it and a restart does not add a second one; the timer's claim (SKIP
 *   LOCKED on PostgreSQL) gives the job to one node at a time;
 * - the day itself is claimed in `risk_daily_runs` before the scan: a day already `done` is not
 *   scanned again by the timer (after a crash between the scan and the timer's own bookkeeping), and
 *   a day another node is still scanning (`running`, inside its lease) is left to it. A `running`
 *   day past its lease was a crash: it is taken over, which the `runs` column shows.
 * - after its day, the timer moves itself to the next day; a node that was down for days catches up
 *   one day per run, in order.
 *
 * `hutong risk scan --day` runs the same scan by hand (again if the day was done: cases are opened
 * once per party, typology and day, and the report is written anew).
 */
export const dailyScanKind = 'risk.daily_scan';
export const dailyScanKey = 'risk/daily_scan';
const dayMs = 86_400_000;
const beijingOffsetMs = 8 * 3_600_000;

export interface DailyRun {
  readonly day: string;
  readonly status: 'running' | 'done';
  readonly runs: number;
  readonly trigger: 'timer' | 'hand';
  readonly casesOpened: number;
  readonly largeValueLines: number;
  readonly largeValueCsv: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** What the daily job needs of the durable timers (src/events/timers.ts, bound in src/app.ts). */
export interface DailyTimersPort {
  register(
    kind: string,
    handler: {
      readonly outside: (job: {
        readonly payload: Record<string, unknown>;
      }) => Promise<undefined | { readonly retryAt: Date; readonly payload?: Record<string, unknown> }>;
      readonly leaseMs?: number;
    },
  ): void;
  scheduleIfAbsent(
    trx: Transaction<Database>,
    job: { kind: string; key: string; dueAt: Date; payload?: Record<string, unknown> },
  ): Promise<void>;
  schedule(trx: Transaction<Database>, job: { kind: string; key: string; dueAt: Date; payload?: Record<string, unknown> }): Promise<void>;
  get(key: string): Promise<{ readonly payload: string; readonly due_at: string } | undefined>;
}

export interface DailyScanDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly clock: Clock;
  readonly timers: DailyTimersPort;
  /** The hour (0–23, China time) at which the previous Beijing day is scanned. */
  readonly hour: number;
  readonly scanCases: (day: string) => Promise<RiskCase[] | Failure<RiskError>>;
  /** A Beijing day's totals per party (wallets and cross-border; a read model, bound in src/app.ts). */
  readonly dayTotals: (range: { fromIso: string; toIso: string }) => Promise<readonly DayTotal[]>;
  /** Where the large-value report files go (`large-value-YYYY-MM-DD.csv`); none: only in the database. */
  readonly reportDir?: string;
  /** How long a scan may take before another node takes the day over. */
  readonly leaseMs?: number;
}

const beijingDate = (ms: number) => new Date(ms + beijingOffsetMs).toISOString().slice(0, 10);

/** The next time (at or after `now`) that is `hour`:00 in China, and the Beijing day it scans (the one before). */
export function nextDailyScan(now: Date, hour: number): { at: Date; day: string } {
  const today = beijingDate(now.getTime());
  let at = Date.parse(`${today}T00:00:00+08:00`) + hour * 3_600_000;
  if (at < now.getTime()) at += dayMs;
  return { at: new Date(at), day: beijingDate(at - dayMs) };
}

/** When the scan of `day` is due: the day after it, at `hour` China time. */
export function dailyScanAt(day: string, hour: number): Date {
  return new Date(Date.parse(`${day}T00:00:00+08:00`) + dayMs + hour * 3_600_000);
}

const nextDay = (day: string) => beijingDate(Date.parse(`${day}T00:00:00+08:00`) + dayMs);

export function createDailyScan(deps: DailyScanDeps) {
  const { store, writer, clock, timers, hour } = deps;
  const leaseMs = deps.leaseMs ?? 15 * 60_000;

  const view = (r: Database['risk_daily_runs']): DailyRun => ({
    day: r.day,
    status: r.status as DailyRun['status'],
    runs: Number(r.runs),
    trigger: r.trigger as DailyRun['trigger'],
    casesOpened: Number(r.cases_opened),
    largeValueLines: Number(r.large_value_lines),
    largeValueCsv: r.large_value_csv,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  });

  /** Claims the day: 'run' (go), 'done' (the timer skips a finished day) or 'busy' (another node is on it). */
  async function claimDay(day: string, trigger: DailyRun['trigger']): Promise<'run' | 'done' | 'busy'> {
    const now = clock.now();
    const at = now.toISOString();
    return writer.run(
      async (trx) => {
        let q = trx.selectFrom('risk_daily_runs').selectAll().where('day', '=', day);
        if (store.dialect === 'postgres') q = q.forUpdate();
        const row = await q.executeTakeFirst();
        if (row === undefined) {
          const inserted = await trx
            .insertInto('risk_daily_runs')
            .values({
              day,
              status: 'running',
              runs: 1n,
              trigger,
              cases_opened: 0n,
              large_value_lines: 0n,
              large_value_csv: '',
              started_at: at,
              finished_at: null,
            })
            .onConflict((oc) => oc.column('day').doNothing())
            .executeTakeFirst();
          return inserted.numInsertedOrUpdatedRows === 1n ? 'run' : 'busy';
        }
        if (row.status === 'done' && trigger === 'timer') return 'done';
        if (row.status === 'running' && Date.parse(row.started_at) + leaseMs > now.getTime()) return 'busy';
        await trx
          .updateTable('risk_daily_runs')
          .set((eb) => ({ status: 'running', runs: eb('runs', '+', 1n), trigger, started_at: at, finished_at: null }))
          .where('day', '=', day)
          .execute();
        return 'run';
      },
      { keys: [`risk/daily/${day}`] },
    );
  }

  /** Scans one Beijing day: its cases and its large-value report. */
  async function runDay(day: string, trigger: DailyRun['trigger']): Promise<DailyRun | Failure<RiskError>> {
    let range: { fromIso: string; toIso: string };
    try {
      range = beijingDayRange(day);
    } catch (error) {
      return fail(RiskError.CaseInvalid, (error as Error).message);
    }
    const claimed = await claimDay(day, trigger);
    if (claimed === 'busy') return fail(RiskError.CaseInvalid, `the day ${day} is being scanned by another node now`);
    if (claimed === 'run') {
      const opened = await deps.scanCases(day);
      if (isFailure(opened)) return opened;
      const lines = largeValueLines(day, await deps.dayTotals(range));
      const csv = largeValueCsv(lines);
      if (deps.reportDir !== undefined) {
        mkdirSync(deps.reportDir, { recursive: true });
        writeFileSync(join(deps.reportDir, `large-value-${day}.csv`), csv);
      }
      await writer.run(
        (trx) =>
          trx
            .updateTable('risk_daily_runs')
            .set((eb) => ({
              status: 'done',
              cases_opened: eb('cases_opened', '+', BigInt(opened.length)),
              large_value_lines: BigInt(lines.length),
              large_value_csv: csv,
              finished_at: clock.now().toISOString(),
            }))
            .where('day', '=', day)
            .execute(),
        { keys: [`risk/daily/${day}`] },
      );
    }
    return (await get(day)) as DailyRun;
  }

  async function get(day: string): Promise<DailyRun | undefined> {
    const row = await store.reader.selectFrom('risk_daily_runs').selectAll().where('day', '=', day).executeTakeFirst();
    return row === undefined ? undefined : view(row);
  }

  async function list(limit = 60): Promise<DailyRun[]> {
    const rows = await store.reader
      .selectFrom('risk_daily_runs')
      .selectAll()
      .orderBy('day', 'desc')
      .limit(Math.min(Math.max(limit, 1), 366))
      .execute();
    return rows.map(view);
  }

  timers.register(dailyScanKind, {
    leaseMs,
    async outside(job) {
      const day = String(job.payload.day);
      const ran = await runDay(day, 'timer');
      // Another node holds the day (inside its lease): look again in a minute.
      if (isFailure(ran)) return { retryAt: new Date(clock.now().getTime() + 60_000), payload: job.payload };
      const next = nextDay(day);
      return { retryAt: dailyScanAt(next, hour), payload: { day: next, hour } };
    },
  });

  /**
   * `hutong start`: the daily timer, if no node made it yet. When the configured hour changed, the
   * pending timer moves to the new hour (the day it scans stays).
   */
  async function start(): Promise<void> {
    const existing = await timers.get(dailyScanKey);
    if (existing !== undefined) {
      const payload = JSON.parse(existing.payload) as { day?: string; hour?: number };
      if (payload.hour === hour || payload.day === undefined) return;
      const day = payload.day;
      await writer.run((trx) =>
        timers.schedule(trx, { kind: dailyScanKind, key: dailyScanKey, dueAt: dailyScanAt(day, hour), payload: { day, hour } }),
      );
      return;
    }
    const next = nextDailyScan(clock.now(), hour);
    await writer.run((trx) =>
      timers.scheduleIfAbsent(trx, { kind: dailyScanKind, key: dailyScanKey, dueAt: next.at, payload: { day: next.day, hour } }),
    );
  }

  return { start, runDay, get, list };
}

export type DailyScan = ReturnType<typeof createDailyScan>;
