import type { Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import { isFailure } from '../core/index.js';
import type { Timers, TimerJob } from '../events/index.js';
import type { Reconciliation } from '../reconciliation/index.js';
import type { Store } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { localDate, zonedInstant } from './calendar.js';
import type { Payouts } from './payouts.js';
import { defaultSchedule, type Settlement } from './service.js';

/**
 * The daily settlement cycle on the durable timers (docs/settlement.md, "The daily cycle").
 *
 * - Merchants with the same cut-off hour and time zone form a cohort; each cohort has one timer
 *   (`settlement.daily/<hour>/<zone>`) due a few minutes after its cut-off. It settles the cohort as
 *   of that cut-off (each merchant's T+N window, reserve releases first), then runs the payouts.
 * - The job moves itself to the next cut-off in the unit that completes it (the timers' finish), with
 *   the occurrence in its payload: a crash before that unit leaves the same occurrence due again (the
 *   run is idempotent: statements are derived from their window, payouts are in one file each), and
 *   after downtime the cycle catches up one day at a time — no day skipped, none doubled.
 * - `reserve.daily_check` runs the reserve funds check once a day at a UTC hour.
 * - Every occurrence is a `scheduled_runs` row named by the occurrence (a rerun updates it).
 */
export const cycleKinds = { settlement: 'settlement.daily', reserveCheck: 'reserve.daily_check' } as const;

export interface CycleSettings {
  /** How long after the cut-off the run starts (postings stamped before it have committed). */
  readonly graceMs: number;
  readonly reserveCheckHourUtc: number;
  /** The claim a running cycle job holds (a settlement run of many merchants is long). */
  readonly leaseMs: number;
}

export const defaultCycleSettings: CycleSettings = { graceMs: 5 * 60_000, reserveCheckHourUtc: 6, leaseMs: 30 * 60_000 };

export interface ScheduledRun {
  readonly id: string;
  readonly kind: string;
  readonly occurrence: string;
  /** running → done | alert (the reserve check differed) | failed (retried by the timers) */
  readonly status: string;
  readonly attempts: number;
  readonly result: Record<string, unknown> | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** The first cut-off instant (hour:00 on the wall clock of the zone) strictly after `after`. */
export function nextCutoff(after: Date, cutoffHour: number, timeZone: string): Date {
  const [y, m, d] = localDate(after, timeZone).split('-').map(Number) as [number, number, number];
  for (let k = 0; k < 3; k++) {
    const day = new Date(Date.UTC(y, m - 1, d + k));
    const at = zonedInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), cutoffHour, timeZone);
    if (at.getTime() > after.getTime()) return at;
  }
  throw new Error('unreachable: a cut-off comes within two days');
}

type Trx = Transaction<Database>;

export function createSettlementCycle(deps: {
  store: Store;
  writer: Writer;
  clock: Clock;
  timers: Timers;
  settlement: Settlement;
  payouts: Payouts;
  reconciliation: Reconciliation;
  log?: (message: string) => void;
  settings?: CycleSettings;
}) {
  const { store, writer, clock, timers, settlement } = deps;
  const settings = deps.settings ?? defaultCycleSettings;
  const cohortKey = (cutoffHour: number, timeZone: string) => `${cycleKinds.settlement}/${cutoffHour}/${timeZone}`;
  const defaultKey = cohortKey(defaultSchedule.cutoffHour, defaultSchedule.timeZone);
  const reserveKey = cycleKinds.reserveCheck;

  async function ensureCohort(trx: Trx, cutoffHour: number, timeZone: string): Promise<void> {
    const cutoff = nextCutoff(clock.now(), cutoffHour, timeZone);
    await timers.scheduleIfAbsent(trx, {
      kind: cycleKinds.settlement,
      key: cohortKey(cutoffHour, timeZone),
      dueAt: new Date(cutoff.getTime() + settings.graceMs),
      payload: { cutoffHour, timeZone, cutoff: cutoff.toISOString() },
    });
  }

  /** `hutong start`: a timer for every cohort in use (and the default one) and the reserve check. Idempotent. */
  async function start(): Promise<void> {
    const cohorts = await store.reader.selectFrom('settlement_schedules').select(['cutoff_hour', 'time_zone']).distinct().execute();
    const next = nextCutoff(clock.now(), settings.reserveCheckHourUtc, 'UTC');
    await writer.run(async (trx) => {
      await ensureCohort(trx, defaultSchedule.cutoffHour, defaultSchedule.timeZone);
      for (const c of cohorts) await ensureCohort(trx, Number(c.cutoff_hour), c.time_zone);
      await timers.scheduleIfAbsent(trx, {
        kind: cycleKinds.reserveCheck,
        key: reserveKey,
        dueAt: next,
        payload: { at: next.toISOString() },
      });
    });
  }

  /** The cycle runs (in this database) once `start` has run once. */
  async function enabled(): Promise<boolean> {
    return (await timers.get(defaultKey)) !== undefined;
  }

  // A merchant moved to a new cut-off: its cohort gets its timer now, not at the next start.
  settlement.hooks.scheduleSet = async (s) => {
    if (await enabled()) await writer.run((trx) => ensureCohort(trx, s.cutoffHour, s.timeZone));
  };

  async function begin(id: string, kind: string, occurrence: string): Promise<void> {
    const now = clock.now().toISOString();
    await writer.run((trx) =>
      trx
        .insertInto('scheduled_runs')
        .values({ id, kind, occurrence, status: 'running', attempts: 1n, result: null, started_at: now, finished_at: null })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            status: 'running',
            attempts: eb('scheduled_runs.attempts', '+', 1n),
            started_at: now,
            finished_at: null,
          })),
        )
        .execute(),
    );
  }

  async function end(id: string, status: string, result: Record<string, unknown>): Promise<void> {
    await writer.run((trx) =>
      trx
        .updateTable('scheduled_runs')
        .set({ status, result: JSON.stringify(result), finished_at: clock.now().toISOString() })
        .where('id', '=', id)
        .execute(),
    );
  }

  /** Runs `work` as the occurrence `id`; a throw marks it failed (the timers retry it) and rethrows. */
  async function occurrence(
    id: string,
    kind: string,
    at: string,
    work: () => Promise<{ status: string; result: Record<string, unknown> }>,
  ): Promise<void> {
    await begin(id, kind, at);
    try {
      const done = await work();
      await end(id, done.status, done.result);
    } catch (error) {
      await end(id, 'failed', { error: String(error) });
      throw error;
    }
  }

  async function settleCohort(job: TimerJob) {
    const { cutoffHour, timeZone, cutoff } = job.payload as { cutoffHour: number; timeZone: string; cutoff: string };
    const at = new Date(cutoff);
    await occurrence(`settlement/${cutoffHour}/${timeZone}/${cutoff}`, 'settlement', cutoff, async () => {
      const run = await settlement.run({ cohort: { cutoffHour, timeZone }, at });
      if (isFailure(run)) throw new Error(`settlement run: ${run.detail}`);
      const totals: Record<string, number> = {};
      for (const s of run.statements) totals[s.currency] = (totals[s.currency] ?? 0) + Number(s.payout);
      const paid = await deps.payouts.send();
      if (isFailure(paid)) deps.log?.(`settlement cycle ${cutoffHour}:00 ${timeZone}: payouts wait: ${paid.detail}`);
      return {
        status: 'done',
        result: {
          cohort: { cutoff_hour: cutoffHour, time_zone: timeZone },
          statements: run.statements.length,
          replayed: run.replayed,
          reserves_released: run.reservesReleased,
          payout_totals: totals,
          payouts: isFailure(paid)
            ? { error: paid.detail }
            : { files: paid.files.length, paid: paid.paid, failed: paid.failed, waiting: paid.waiting },
        },
      };
    });
    // A cohort nobody uses any more stops (a schedule set to it later starts it again).
    const key = cohortKey(cutoffHour, timeZone);
    if (key !== defaultKey) {
      const used = await store.reader
        .selectFrom('settlement_schedules')
        .select('merchant_id')
        .where('cutoff_hour', '=', BigInt(cutoffHour))
        .where('time_zone', '=', timeZone)
        .limit(1)
        .executeTakeFirst();
      if (used === undefined) return undefined;
    }
    const next = nextCutoff(at, cutoffHour, timeZone);
    return { retryAt: new Date(next.getTime() + settings.graceMs), payload: { cutoffHour, timeZone, cutoff: next.toISOString() } };
  }

  async function checkReserve(job: TimerJob) {
    const at = String(job.payload.at);
    await occurrence(`reserve_check/${at}`, 'reserve_check', at, async () => {
      const reports = await deps.reconciliation.reserveCheck();
      const ok = reports.every((r) => r.ok);
      return {
        status: ok ? 'done' : 'alert',
        result: {
          ok,
          currencies: reports.map((r) => ({
            currency: r.currency,
            liabilities: Number(r.liabilitiesMinor),
            statement_balance: r.statementBankMinor === null ? null : Number(r.statementBankMinor),
            ledger_balance: Number(r.ledgerBankMinor),
            shortfall: Number(r.shortfallMinor),
            ok: r.ok,
            alerts: r.alerts,
          })),
        },
      };
    });
    const next = nextCutoff(new Date(at), settings.reserveCheckHourUtc, 'UTC');
    return { retryAt: next, payload: { at: next.toISOString() } };
  }

  timers.register(cycleKinds.settlement, { outside: settleCohort, leaseMs: settings.leaseMs });
  timers.register(cycleKinds.reserveCheck, { outside: checkReserve, leaseMs: settings.leaseMs });

  async function listRuns(options: { kind?: string; limit?: number } = {}): Promise<ScheduledRun[]> {
    let q = store.reader.selectFrom('scheduled_runs').selectAll();
    if (options.kind !== undefined) q = q.where('kind', '=', options.kind);
    const rows = await q
      .orderBy('occurrence', 'desc')
      .orderBy('id')
      .limit(Math.min(options.limit ?? 50, 200))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      occurrence: r.occurrence,
      status: r.status,
      attempts: Number(r.attempts),
      result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  /** The cycle's timers: when each cohort and the reserve check run next. */
  async function upcoming(): Promise<{ key: string; kind: string; dueAt: string; status: string; lastError: string | null }[]> {
    const rows = await store.reader
      .selectFrom('timers')
      .selectAll()
      .where('kind', 'in', [cycleKinds.settlement, cycleKinds.reserveCheck])
      .orderBy('due_at')
      .execute();
    return rows.map((r) => ({ key: r.key, kind: r.kind, dueAt: r.due_at, status: r.status, lastError: r.last_error }));
  }

  return { start, enabled, listRuns, upcoming, nextCutoff };
}

export type SettlementCycle = ReturnType<typeof createSettlementCycle>;
