import { sql, type Transaction } from 'kysely';
import type { Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, newId } from '../core/index.js';
import { accountIdFor, chart, type Ledger } from '../ledger/index.js';
import { findCurrency } from '../money/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { settle } from './arithmetic.js';
import { domesticProblem, ibanProblem, normalizeIban, routingProblem } from './bank-accounts.js';
import { isTimeZone, windowEnd } from './calendar.js';
import { SettlementError } from './errors.js';

export interface Schedule {
  readonly merchantId: string;
  readonly delayDays: number;
  readonly cutoffHour: number;
  readonly timeZone: string;
  readonly minimumPayoutMinor: bigint;
  readonly reserveBps: number;
  readonly reserveHoldDays: number;
}

export const defaultSchedule: Omit<Schedule, 'merchantId'> = {
  delayDays: 1,
  cutoffHour: 0,
  timeZone: 'UTC',
  minimumPayoutMinor: 0n,
  reserveBps: 0,
  reserveHoldDays: 0,
};

export interface BankAccount {
  readonly id: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly holderName: string;
  readonly iban: string | null;
  readonly accountNumber: string | null;
  readonly bankCode: string | null;
  readonly createdAt: string;
  /** Cross-border routing and the holder's address (pain.001 CdtrAgt and Cdtr/PstlAdr); null when not given. */
  readonly bic: string | null;
  readonly clearingSystem: string | null;
  readonly country: string | null;
  readonly town: string | null;
  readonly postcode: string | null;
  readonly addressLine: string | null;
}

/** What a merchant may add to a bank account for cross-border payouts (all optional). */
export interface BankAccountRouting {
  bic?: string;
  clearingSystem?: string;
  country?: string;
  town?: string;
  postcode?: string;
  addressLine?: string;
}

export interface Statement {
  readonly id: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly windowEnd: string;
  readonly carriedIn: bigint;
  readonly linesTotal: bigint;
  readonly linesCount: number;
  readonly reserve: bigint;
  readonly payout: bigint;
  readonly carriedOut: bigint;
  readonly reserveReleaseAt: string | null;
  readonly entryId: string | null;
  readonly payoutId: string | null;
  readonly createdAt: string;
}

export interface StatementSummary {
  readonly grossMinor: bigint;
  readonly feesMinor: bigint;
  readonly refundsMinor: bigint;
  readonly chargebacksMinor: bigint;
  readonly otherMinor: bigint;
  /** The payout's status (pending, sent, paid, failed); null when nothing was paid out (carried). */
  readonly payoutStatus: string | null;
}

export interface StatementLine {
  readonly entryId: string;
  readonly reason: string;
  readonly linkType: string | null;
  readonly linkId: string | null;
  /** The merchant's view: positive = money for the merchant. */
  readonly amountMinor: bigint;
  readonly postedAt: string;
}

export interface RunResult {
  readonly statements: Statement[];
  /** Statements found already made by an earlier (perhaps interrupted) run. */
  readonly replayed: number;
  readonly reservesReleased: number;
}

type SettlementFailure = Failure<SettlementError>;

/** Merchants settled at once by a run (their units share group commits). */
const runConcurrency = 16;

/** The ledger reasons that are settlement's own movements, never statement lines. */
export const settlementReason = 'settlement';

/**
 * Merchant settlement driven by the ledger (docs/settlement.md): a merchant's settleable money is
 * its `merchantPending` account; a run records each due posting on it as a statement line exactly
 * once (unique on entry × account) and posts the net to the reserve and to a payout in flight, all
 * in one writer unit per merchant and currency, under an id derived from the window: a rerun after a
 * crash finds the statement made, or makes it whole.
 */
export function createSettlement(deps: { store: Store; writer: Writer; ledger: Ledger; clock: Clock }) {
  const { store, writer, ledger, clock } = deps;
  const reader = store.reader;
  /** The daily cycle (cycle.ts) learns of a new cut-off here, to start that cohort's timer. */
  const hooks: { scheduleSet?: (schedule: Schedule) => Promise<void> } = {};

  async function getSchedule(merchantId: string): Promise<Schedule> {
    const row = await reader.selectFrom('settlement_schedules').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
    if (row === undefined) return { merchantId, ...defaultSchedule };
    return {
      merchantId,
      delayDays: Number(row.delay_days),
      cutoffHour: Number(row.cutoff_hour),
      timeZone: row.time_zone,
      minimumPayoutMinor: row.minimum_payout,
      reserveBps: Number(row.reserve_bps),
      reserveHoldDays: Number(row.reserve_hold_days),
    };
  }

  async function setSchedule(merchantId: string, input: Partial<Omit<Schedule, 'merchantId'>>): Promise<Schedule | SettlementFailure> {
    const s: Schedule = { ...(await getSchedule(merchantId)), ...input, merchantId };
    const problem =
      !Number.isInteger(s.delayDays) || s.delayDays < 0 || s.delayDays > 30
        ? 'delay_days is 0–30'
        : !Number.isInteger(s.cutoffHour) || s.cutoffHour < 0 || s.cutoffHour > 23
          ? 'cutoff_hour is 0–23'
          : !isTimeZone(s.timeZone)
            ? `time_zone ${s.timeZone} is not an IANA time zone`
            : s.minimumPayoutMinor < 0n
              ? 'minimum_payout may not be negative'
              : !Number.isInteger(s.reserveBps) || s.reserveBps < 0 || s.reserveBps > 10_000
                ? 'reserve_bps is 0–10000'
                : !Number.isInteger(s.reserveHoldDays) || s.reserveHoldDays < 0 || s.reserveHoldDays > 365
                  ? 'reserve_hold_days is 0–365'
                  : undefined;
    if (problem !== undefined) return fail(SettlementError.ScheduleInvalid, problem);
    const row = {
      merchant_id: merchantId,
      delay_days: BigInt(s.delayDays),
      cutoff_hour: BigInt(s.cutoffHour),
      time_zone: s.timeZone,
      minimum_payout: s.minimumPayoutMinor,
      reserve_bps: BigInt(s.reserveBps),
      reserve_hold_days: BigInt(s.reserveHoldDays),
      updated_at: clock.now().toISOString(),
    };
    await writer.run((trx) =>
      trx
        .insertInto('settlement_schedules')
        .values(row)
        .onConflict((oc) => oc.column('merchant_id').doUpdateSet({ ...row, merchant_id: undefined } as never))
        .execute(),
    );
    await hooks.scheduleSet?.(s);
    return s;
  }

  async function addBankAccount(
    merchantId: string,
    input: {
      currency: string;
      holderName: string;
      iban?: string;
      accountNumber?: string;
      bankCode?: string;
      idempotencyKey?: string;
    } & BankAccountRouting,
  ): Promise<BankAccount | SettlementFailure> {
    if (findCurrency(input.currency) === undefined)
      return fail(SettlementError.BankAccountInvalid, `currency ${input.currency} is not supported`);
    if (input.holderName.trim() === '') return fail(SettlementError.BankAccountInvalid, 'holder_name is required');
    let iban: string | null = null;
    if (input.iban !== undefined) {
      if (input.accountNumber !== undefined || input.bankCode !== undefined)
        return fail(SettlementError.BankAccountInvalid, 'give either an iban or account_number with bank_code, not both');
      const problem = ibanProblem(input.iban);
      if (problem !== undefined) return fail(SettlementError.BankAccountInvalid, problem);
      iban = normalizeIban(input.iban);
    } else {
      if (input.accountNumber === undefined || input.bankCode === undefined)
        return fail(SettlementError.BankAccountInvalid, 'give an iban, or account_number with bank_code');
      const problem = domesticProblem(input.accountNumber, input.bankCode);
      if (problem !== undefined) return fail(SettlementError.BankAccountInvalid, problem);
    }
    const routing = routingProblem(input);
    if (routing !== undefined) return fail(SettlementError.BankAccountInvalid, routing);
    if (input.clearingSystem !== undefined && input.bankCode === undefined)
      return fail(SettlementError.BankAccountInvalid, 'clearing_system names the system of bank_code: give bank_code too');
    const now = clock.now().toISOString();
    const id =
      input.idempotencyKey === undefined
        ? newId('ba', clock.now().getTime())
        : derivedId('ba', `bank-account/${merchantId}`, input.idempotencyKey);
    const row = {
      id,
      merchant_id: merchantId,
      currency: input.currency,
      holder_name: input.holderName.trim(),
      iban,
      account_number: iban === null ? (input.accountNumber ?? null) : null,
      bank_code: iban === null ? (input.bankCode ?? null) : null,
      status: 'active',
      created_at: now,
      bic: input.bic?.toUpperCase() ?? null,
      clearing_system: input.clearingSystem?.toUpperCase() ?? null,
      country: input.country?.toUpperCase() ?? null,
      town: input.town?.trim() ?? null,
      postcode: input.postcode?.trim() ?? null,
      address_line: input.addressLine?.trim() ?? null,
    };
    await writer.run(async (trx) => {
      await trx
        .updateTable('merchant_bank_accounts')
        .set({ status: 'replaced' })
        .where('merchant_id', '=', merchantId)
        .where('currency', '=', input.currency)
        .where('status', '=', 'active')
        .where('id', '<>', id)
        .execute();
      await trx
        .insertInto('merchant_bank_accounts')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    });
    const saved = await reader.selectFrom('merchant_bank_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toBankAccount(saved);
  }

  async function listBankAccounts(merchantId: string): Promise<BankAccount[]> {
    const rows = await reader
      .selectFrom('merchant_bank_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'active')
      .orderBy('currency')
      .execute();
    return rows.map(toBankAccount);
  }

  /** One merchant and currency: the statement of the window, made whole in one unit (or found). */
  async function settleOne(
    merchantId: string,
    currency: string,
    schedule: Schedule,
    end: Date,
  ): Promise<{ statement: Statement; replayed: boolean } | undefined> {
    const windowEndIso = end.toISOString();
    const id = derivedId('stl', 'settlement', `${merchantId}/${currency}/${windowEndIso}`);
    const pendingId = accountIdFor(chart.merchantPending(merchantId, currency));
    const reserveSpec = chart.merchantReserve(merchantId, currency);
    const payoutSpec = chart.payoutInFlight(merchantId, currency);
    return writer.run(
      async (trx) => {
        const found = await trx.selectFrom('settlement_statements').selectAll().where('id', '=', id).executeTakeFirst();
        if (found !== undefined) return { statement: toStatement(found), replayed: true };
        const now = clock.now();
        // Every due posting on the merchant's pending account not settled before, as one line per
        // entry, straight from the ledger tables (no rows through JavaScript).
        await sql`insert into settlement_lines (statement_id, entry_id, account_id, reason, link_type, link_id, amount, entry_created_at)
          select ${id}, p.entry_id, p.account_id, e.reason, e.link_type, e.link_id, -sum(p.amount), e.created_at
          from ledger_postings p join ledger_entries e on e.id = p.entry_id
          where p.account_id = ${pendingId} and e.created_at < ${windowEndIso} and e.kind in ('posted', 'post_pending') and e.reason <> ${settlementReason}
            and not exists (select 1 from settlement_lines l where l.entry_id = p.entry_id and l.account_id = p.account_id)
          group by p.entry_id, p.account_id, e.reason, e.link_type, e.link_id, e.created_at`.execute(trx);
        const sums = await sql<{
          total: bigint | null;
          count: bigint;
        }>`select sum(amount) as total, count(*) as count from settlement_lines where statement_id = ${id}`.execute(trx);
        const count = Number(sums.rows[0]?.count ?? 0n);
        if (count === 0) return undefined;
        const linesTotal = BigInt(sums.rows[0]?.total ?? 0n);
        const previous = await trx
          .selectFrom('settlement_statements')
          .select('carried_out')
          .where('merchant_id', '=', merchantId)
          .where('currency', '=', currency)
          .where('window_end', '<', windowEndIso)
          .orderBy('window_end', 'desc')
          .limit(1)
          .executeTakeFirst();
        const carriedIn = previous?.carried_out ?? 0n;
        const figures = settle(carriedIn, linesTotal, {
          minimumPayoutMinor: schedule.minimumPayoutMinor,
          reserveBps: BigInt(schedule.reserveBps),
        });
        let entryId: string | null = null;
        let payoutId: string | null = null;
        if (figures.payout + figures.reserve > 0n) {
          entryId = `${id}:settle`;
          const postings = [{ accountId: pendingId, currency, amountMinor: figures.payout + figures.reserve }];
          if (figures.reserve > 0n)
            postings.push({ accountId: await ledger.ensureAccount(trx, reserveSpec), currency, amountMinor: -figures.reserve });
          if (figures.payout > 0n)
            postings.push({ accountId: await ledger.ensureAccount(trx, payoutSpec), currency, amountMinor: -figures.payout });
          const posted = await ledger.post(trx, { id: entryId, reason: settlementReason, link: { type: 'settlement', id }, postings });
          if (isFailure(posted)) throw new Error(`settlement ${id}: ${posted.detail}`);
        }
        if (figures.payout > 0n) {
          payoutId = derivedId('po', 'payout', id);
          const bank = await trx
            .selectFrom('merchant_bank_accounts')
            .select('id')
            .where('merchant_id', '=', merchantId)
            .where('currency', '=', currency)
            .where('status', '=', 'active')
            .executeTakeFirst();
          await trx
            .insertInto('payouts')
            .values({
              id: payoutId,
              merchant_id: merchantId,
              statement_id: id,
              bank_account_id: bank?.id ?? null,
              currency,
              amount: figures.payout,
              status: 'pending',
              file_id: null,
              failure_code: null,
              failure_reason: null,
              created_at: now.toISOString(),
              updated_at: now.toISOString(),
            })
            .execute();
        }
        const releaseAt = figures.reserve > 0n ? new Date(now.getTime() + schedule.reserveHoldDays * 86_400_000).toISOString() : null;
        const row = {
          id,
          merchant_id: merchantId,
          currency,
          window_end: windowEndIso,
          carried_in: carriedIn,
          lines_total: linesTotal,
          lines_count: BigInt(count),
          reserve: figures.reserve,
          payout: figures.payout,
          carried_out: figures.carriedOut,
          reserve_release_at: releaseAt,
          reserve_released: 0n,
          entry_id: entryId,
          payout_id: payoutId,
          created_at: now.toISOString(),
        };
        await trx.insertInto('settlement_statements').values(row).execute();
        return { statement: toStatement(row), replayed: false };
      },
      { keys: [pendingId, accountIdFor(reserveSpec), accountIdFor(payoutSpec)] },
    );
  }

  /** Reserves whose hold is over go back to the merchant's pending balance (and settle next run). */
  async function releaseReserves(merchantId?: string): Promise<number> {
    const nowIso = clock.now().toISOString();
    let q = reader
      .selectFrom('settlement_statements')
      .select(['id', 'merchant_id', 'currency', 'reserve'])
      .where('reserve', '>', 0n)
      .where('reserve_released', '=', 0n)
      .where('reserve_release_at', '<=', nowIso);
    if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
    const due = await q.execute();
    for (const s of due) {
      await writer.run(async (trx) => {
        const moved = await trx
          .updateTable('settlement_statements')
          .set({ reserve_released: 1n })
          .where('id', '=', s.id)
          .where('reserve_released', '=', 0n)
          .executeTakeFirst();
        if (moved.numUpdatedRows === 0n) return;
        const posted = await ledger.post(trx, {
          id: `${s.id}:release`,
          reason: 'settlement.reserve_release',
          link: { type: 'settlement', id: s.id },
          postings: [
            { accountId: accountIdFor(chart.merchantReserve(s.merchant_id, s.currency)), currency: s.currency, amountMinor: s.reserve },
            {
              accountId: await ledger.ensureAccount(trx, chart.merchantPending(s.merchant_id, s.currency)),
              currency: s.currency,
              amountMinor: -s.reserve,
            },
          ],
        });
        if (isFailure(posted)) throw new Error(`reserve release ${s.id}: ${posted.detail}`);
      });
    }
    return due.length;
  }

  /**
   * Settles every merchant (or one) in every currency it has a pending account in, for the window
   * its schedule makes due — or up to an operator's cut-off `windowEnd` (an intraday run), which must
   * be in the past. Each merchant
   * and currency is its own unit: a crash leaves some statements made and the rest untouched, and
   * the rerun completes exactly the missing ones.
   */
  async function run(
    options: { merchantId?: string; windowEnd?: Date; cohort?: { cutoffHour: number; timeZone: string }; at?: Date } = {},
  ): Promise<RunResult | SettlementFailure> {
    if (options.at !== undefined && options.at.getTime() > clock.now().getTime())
      return fail(SettlementError.ScheduleInvalid, 'a run is for a time in the past');
    if (
      options.windowEnd !== undefined &&
      (Number.isNaN(options.windowEnd.getTime()) || options.windowEnd.getTime() > clock.now().getTime())
    ) {
      return fail(SettlementError.ScheduleInvalid, 'window_end must be a time in the past: a window is settled once it has closed');
    }
    const reservesReleased = await releaseReserves(options.merchantId);
    let q = reader
      .selectFrom('ledger_accounts')
      .select(['owner_id', 'currency'])
      .where('owner_type', '=', 'merchant')
      .where('code', '=', 'pending');
    if (options.merchantId !== undefined) q = q.where('owner_id', '=', options.merchantId);
    const accounts = await q.orderBy('owner_id').orderBy('currency').execute();
    const statements: Statement[] = [];
    let replayed = 0;
    // The daily cycle (cycle.ts) runs one cohort (same cut-off hour and time zone) as of its cut-off.
    const now = options.at ?? clock.now();
    // Several merchants in flight: the group-commit writer then takes their units in one
    // transaction (each still its own savepoint, so one merchant's failure is its own).
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < accounts.length) {
        const a = accounts[next++] as { owner_id: string; currency: string };
        const schedule = await getSchedule(a.owner_id);
        if (
          options.cohort !== undefined &&
          (schedule.cutoffHour !== options.cohort.cutoffHour || schedule.timeZone !== options.cohort.timeZone)
        )
          continue;
        const made = await settleOne(a.owner_id, a.currency, schedule, options.windowEnd ?? windowEnd(now, schedule));
        if (made === undefined) continue;
        if (made.replayed) replayed++;
        else statements.push(made.statement);
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(runConcurrency, accounts.length) }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    statements.sort((x, y) => (x.merchantId < y.merchantId ? -1 : x.merchantId > y.merchantId ? 1 : x.currency < y.currency ? -1 : 1));
    return { statements, replayed, reservesReleased };
  }

  async function listStatements(merchantId: string, page: PageRequest): Promise<Page<Statement> | SettlementFailure> {
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    if (page.cursor !== undefined && after === undefined) return fail(SettlementError.StatementNotFound, 'the cursor is not valid');
    const limit = pageLimit(page);
    const rows = await pageQuery(
      reader.selectFrom('settlement_statements').selectAll().where('merchant_id', '=', merchantId),
      after,
      limit,
    ).execute();
    return toPage(rows, limit, toStatement);
  }

  async function getStatement(merchantId: string, id: string): Promise<Statement | SettlementFailure> {
    const row = await reader
      .selectFrom('settlement_statements')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(SettlementError.StatementNotFound, `no settlement ${id}`) : toStatement(row);
  }

  /**
   * What the statements are made of, for the dashboard: per statement, the lines by kind — gross
   * (captures and releases before fees), fees (taken, net of fees returned), refunds and chargebacks
   * (before the fees they return), other (returned payouts, released reserves) — and the payout's status.
   * gross − fees + refunds + chargebacks + other = the lines' total.
   */
  async function summaries(statementIds: readonly string[]): Promise<Map<string, StatementSummary>> {
    const out = new Map<string, StatementSummary>();
    if (statementIds.length === 0) return out;
    const rows = await sql<{ statement_id: string; reason: string; amount: string | bigint; fee: string | bigint | null }>`
      select l.statement_id, l.reason, sum(l.amount) as amount,
        sum((select -sum(p.amount) from ledger_postings p join ledger_accounts a on a.id = p.account_id where p.entry_id = l.entry_id and a.owner_type = 'platform' and a.code = 'fees')) as fee
      from settlement_lines l where l.statement_id in (${sql.join(statementIds)}) group by l.statement_id, l.reason`.execute(reader);
    const payouts = await reader
      .selectFrom('payouts')
      .select(['statement_id', 'status'])
      .where('statement_id', 'in', statementIds)
      .execute();
    for (const id of statementIds)
      out.set(id, { grossMinor: 0n, feesMinor: 0n, refundsMinor: 0n, chargebacksMinor: 0n, otherMinor: 0n, payoutStatus: null });
    for (const r of rows.rows) {
      const x = out.get(r.statement_id) as { -readonly [K in keyof StatementSummary]: StatementSummary[K] };
      const fee = BigInt(r.fee ?? 0n);
      const before = BigInt(r.amount) + fee;
      x.feesMinor += fee;
      if (r.reason === 'refund') x.refundsMinor += before;
      else if (r.reason === 'chargeback') x.chargebacksMinor += before;
      else if (r.reason === 'payout.returned' || r.reason === 'settlement.reserve_release' || r.reason.startsWith('reconciliation'))
        x.otherMinor += before;
      else x.grossMinor += before;
    }
    for (const p of payouts) (out.get(p.statement_id) as { payoutStatus: string | null }).payoutStatus = p.status;
    return out;
  }

  /**
   * The lines of a statement in posting order, in pages (the CSV export walks them all), from just
   * after `from` (a line's postedAt and entryId) when given: the API's cursor.
   */
  async function* lines(statementId: string, pageSize = 1000, from?: { at: string; id: string }): AsyncGenerator<StatementLine> {
    let after = from;
    for (;;) {
      let q = reader.selectFrom('settlement_lines').selectAll().where('statement_id', '=', statementId);
      if (after !== undefined) {
        const a = after;
        q = q.where((eb) =>
          eb.or([eb('entry_created_at', '>', a.at), eb.and([eb('entry_created_at', '=', a.at), eb('entry_id', '>', a.id)])]),
        );
      }
      const rows = await q.orderBy('entry_created_at').orderBy('entry_id').limit(pageSize).execute();
      for (const r of rows)
        yield {
          entryId: r.entry_id,
          reason: r.reason,
          linkType: r.link_type,
          linkId: r.link_id,
          amountMinor: r.amount,
          postedAt: r.entry_created_at,
        };
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1] as { entry_created_at: string; entry_id: string };
      after = { at: last.entry_created_at, id: last.entry_id };
    }
  }

  /**
   * A chargeback reported by the channel: the money goes back from the merchant's pending balance
   * to the channel (which took it from Hutong), and settles like any other line.
   */
  async function chargeback(input: {
    paymentId: string;
    amountMinor: bigint;
    reference: string;
  }): Promise<{ entryId: string; merchantId: string; currency: string; amountMinor: bigint } | SettlementFailure> {
    const payment = await reader
      .selectFrom('payments')
      .select(['id', 'merchant_id', 'currency', 'channel', 'amount_captured'])
      .where('id', '=', input.paymentId)
      .executeTakeFirst();
    if (payment === undefined) return fail(SettlementError.ChargebackInvalid, `no payment ${input.paymentId}`);
    if (payment.channel === null) return fail(SettlementError.ChargebackInvalid, `payment ${payment.id} did not go through a channel`);
    if (input.amountMinor <= 0n || input.amountMinor > payment.amount_captured)
      return fail(SettlementError.ChargebackInvalid, `a chargeback is 1..${payment.amount_captured} (the captured amount)`);
    const entryId = derivedId('ent', 'chargeback', `${payment.id}/${input.reference}`);
    const merchantAccount = accountIdFor(chart.merchantPending(payment.merchant_id, payment.currency));
    const channelAccount = accountIdFor(chart.channelReceivable(payment.channel, payment.currency));
    const posted = await writer.run(
      (trx) =>
        ledger.post(trx, {
          id: entryId,
          reason: 'chargeback',
          link: { type: 'payment', id: payment.id },
          postings: [
            { accountId: merchantAccount, currency: payment.currency, amountMinor: input.amountMinor },
            { accountId: channelAccount, currency: payment.currency, amountMinor: -input.amountMinor },
          ],
        }),
      { keys: [merchantAccount, channelAccount] },
    );
    if (isFailure(posted)) return fail(SettlementError.ChargebackInvalid, posted.detail);
    return { entryId, merchantId: payment.merchant_id, currency: payment.currency, amountMinor: input.amountMinor };
  }

  return {
    getSchedule,
    setSchedule,
    addBankAccount,
    listBankAccounts,
    run,
    settleOne,
    releaseReserves,
    listStatements,
    getStatement,
    lines,
    chargeback,
    hooks,
    summaries,
  };
}

export type Settlement = ReturnType<typeof createSettlement>;

export type Trx = Transaction<Database>;

function toBankAccount(r: Database['merchant_bank_accounts']): BankAccount {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    currency: r.currency,
    holderName: r.holder_name,
    iban: r.iban,
    accountNumber: r.account_number,
    bankCode: r.bank_code,
    createdAt: r.created_at,
    bic: r.bic,
    clearingSystem: r.clearing_system,
    country: r.country,
    town: r.town,
    postcode: r.postcode,
    addressLine: r.address_line,
  };
}

function toStatement(r: Database['settlement_statements']): Statement {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    currency: r.currency,
    windowEnd: r.window_end,
    carriedIn: r.carried_in,
    linesTotal: r.lines_total,
    linesCount: Number(r.lines_count),
    reserve: r.reserve,
    payout: r.payout,
    carriedOut: r.carried_out,
    reserveReleaseAt: r.reserve_release_at,
    entryId: r.entry_id,
    payoutId: r.payout_id,
    createdAt: r.created_at,
  };
}
