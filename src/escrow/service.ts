import assert from 'node:assert/strict';
import type { Transaction } from 'kysely';
import { atTime, scopedClock, simulatedNow, type Clock } from '../core/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import type { Outbox } from '../events/index.js';
import type { TestClocks, Timers } from '../events/index.js';
import { accountIdFor, chart, type Ledger } from '../ledger/index.js';
import { divideRounded, type Amount } from '../money/index.js';
import type { Parties } from '../parties/index.js';
import { feeFor, toPayment, type EscrowPort, type Payment, type PaymentServices, type Refund } from '../payments/index.js';
import type { Store } from '../store/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import type { Database } from '../store/index.js';
import type { Writer } from '../store/index.js';
import { EscrowError } from './errors.js';
import { escrowView, storeJson, toEscrow, type Escrow, type RefundRequest, type Resolution, type Settlement } from './model.js';
import {
  checkMove,
  escrowMachine,
  defaultEscrowSettings,
  goodsTypes,
  holdingStatuses,
  type ArbitrationDecision,
  type EscrowSettings,
  type EscrowStatus,
  type GoodsType,
  type RefundReason,
} from './state.js';
import type { BuyerTokens } from './token.js';

export interface EscrowDeps {
  readonly store: Store;
  readonly writer: Writer;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly parties: Parties;
  readonly payments: PaymentServices;
  readonly events: Pick<Outbox, 'recordEvent'>;
  readonly timers: Timers;
  /**
   * Test clocks (src/events/test-clocks.ts): a trade created on one keeps its time — its timestamps
   * are the clock's, its timers are due on the clock's time and only an advance of the clock runs them.
   */
  readonly testClocks?: Pick<TestClocks, 'timeOf'>;
  readonly buyerTokens: BuyerTokens;
  readonly publicBaseUrl: string;
  readonly settings?: EscrowSettings;
  /**
   * Conversion at release (src/fx, `Fx.convertNow`): a trade in another currency than its merchant's
   * settlement currency is credited in the settlement currency, at the rate of the release moment.
   * None: releases credit the trade's own currency.
   */
  readonly fx?: {
    convertNow(
      merchantId: string,
      amount: Amount,
      to: string,
    ): Promise<{ currency: string; midMinor: bigint; merchantMinor: bigint; rate: string } | Failure<string>>;
  };
}

export interface NewEscrow {
  readonly amount: Amount;
  readonly merchantOrderId: string;
  readonly goodsType: GoodsType;
  readonly description?: string;
  readonly customerId?: string;
  readonly metadata?: Record<string, string>;
  /** A test clock of the merchant's (test mode only; the API checks the key's mode). */
  readonly testClockId?: string;
}

/** Test-mode trades on one test clock, at most (Stripe allows a handful of objects per clock). */
export const testClockTradesMax = 100;

/** Who acts: the seller (merchant key), the buyer (signed link), the operator, or a timer. */
export type Actor =
  | { readonly kind: 'merchant'; readonly merchantId: string }
  | { readonly kind: 'buyer'; readonly token: string }
  | { readonly kind: 'operator' }
  | { readonly kind: 'timer' };

type Trx = Transaction<Database>;
type EscrowFailure = Failure<string>;

export const timerKinds = {
  autoConfirm: 'escrow.auto_confirm',
  autoClose: 'escrow.auto_close',
  settle: 'escrow.settle',
  refundAutoAgree: 'escrow.refund_auto_agree',
} as const;

/**
 * Escrow trades ("guaranteed transactions", issue 4). Every step is one writer unit that re-reads
 * the trade (locked on PostgreSQL), checks the move against the transition table, changes the
 * trade, moves money through the ledger and records the event — so a failure changes nothing and a
 * crash leaves either all of a step or none of it.
 *
 * Money: the payment captures into `escrowHeld` gross (src/payments, destination "escrow");
 * release posts escrowHeld → merchantPending and takes the merchant's fee there; refunds go through
 * the payment's own refund machinery (channel or wallet) out of escrowHeld.
 */
export function createEscrow(deps: EscrowDeps) {
  const { store, writer, ledger, parties, payments, events, timers, buyerTokens } = deps;
  // Inside `atTime` (a trade on a test clock) this answers the clock's time; else the wall clock's.
  const clock = scopedClock(deps.clock);
  const settings = deps.settings ?? defaultEscrowSettings;
  const now = () => clock.now().toISOString();
  /** For other modules' rows (the payment's fee): always the wall clock. */
  const wallNow = () => deps.clock.now().toISOString();

  /**
   * Runs a step on a trade in its time: a trade on a test clock runs at the clock's time, and is
   * left alone by everyone but its timers while the clock advances. Inside a clock's advance (the
   * timers run each job `atTime` its due time) the time is already set.
   */
  async function inTradeTime<T>(
    db: Store['reader'] | Trx,
    testClockId: string | null,
    actor: Actor['kind'],
    work: () => Promise<T>,
  ): Promise<T | EscrowFailure> {
    if (testClockId === null || deps.testClocks === undefined || simulatedNow() !== undefined) return work();
    const time = await deps.testClocks.timeOf(db, testClockId);
    // A deleted clock hands its trades back to the wall clock.
    if (time === undefined) return work();
    if (time.status === 'advancing' && actor !== 'timer')
      return fail(EscrowError.TestClockAdvancing, `the trade's test clock ${testClockId} is advancing; try again when it is ready`);
    return atTime(time.frozenTime, work);
  }

  async function onTrade<T>(actor: Actor, id: string, work: () => Promise<T>): Promise<T | EscrowFailure> {
    const row = await store.reader.selectFrom('escrows').select('test_clock_id').where('id', '=', id).executeTakeFirst();
    return inTradeTime(store.reader, row?.test_clock_id ?? null, actor.kind, work);
  }

  const confirmKey = (id: string) => `${timerKinds.autoConfirm}:${id}`;
  const closeKey = (id: string) => `${timerKinds.autoClose}:${id}`;
  const settleKey = (id: string) => `${timerKinds.settle}:${id}`;
  const answerKey = (id: string) => `${timerKinds.refundAutoAgree}:${id}`;

  /** Merchants' settlement currencies (fixed at onboarding), for conversion at release and its writer keys. */
  const settlementCurrencies = new Map<string, string>();
  async function settlementCurrencyOf(merchantId: string): Promise<string | undefined> {
    const known = settlementCurrencies.get(merchantId);
    if (known !== undefined || deps.fx === undefined) return known;
    const merchant = await parties.getMerchant(merchantId);
    if (merchant !== undefined) settlementCurrencies.set(merchantId, merchant.settlementCurrency);
    return merchant?.settlementCurrency;
  }

  /** Writer keys: the payment (the trade row follows it) and the accounts a step may move. */
  function keysOf(e: { paymentId: string; merchantId: string; amount: Amount }, settlementCurrency?: string): string[] {
    const c = e.amount.currency;
    const s = deps.fx === undefined ? undefined : (settlementCurrency ?? settlementCurrencies.get(e.merchantId));
    const converting =
      s === undefined || s === c
        ? []
        : [chart.fxPosition(c), chart.fxPosition(s), chart.fxRevenue(s), chart.merchantPending(e.merchantId, s), chart.feeRevenue(s)];
    return [
      e.paymentId,
      ...[chart.escrowHeld(e.merchantId, c), chart.merchantPending(e.merchantId, c), chart.feeRevenue(c), ...converting].map((x) =>
        accountIdFor(x),
      ),
    ];
  }

  /** What a timer job needs to find the trade and declare the same writer keys as every other step. */
  function timerPayload(e: Escrow): Record<string, unknown> {
    const settlementCurrency = settlementCurrencies.get(e.merchantId);
    return {
      tradeId: e.id,
      paymentId: e.paymentId,
      merchantId: e.merchantId,
      currency: e.amount.currency,
      ...(settlementCurrency === undefined ? {} : { settlementCurrency }),
    };
  }

  async function lockTrade(trx: Trx, where: { id: string } | { paymentId: string }): Promise<Escrow | undefined> {
    let query = trx.selectFrom('escrows').selectAll();
    query = 'id' in where ? query.where('id', '=', where.id) : query.where('payment_id', '=', where.paymentId);
    if (store.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : toEscrow(row);
  }

  /** Every escrow write; a status change is checked against the one table (state.ts). */
  async function write(trx: Trx, id: string, set: Partial<Database['escrows']>): Promise<Escrow> {
    if (set.status !== undefined) {
      const current = await trx.selectFrom('escrows').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      if (current.status !== set.status) escrowMachine.assertMove(current.status as EscrowStatus, set.status as EscrowStatus);
    }
    await trx
      .updateTable('escrows')
      .set({ ...set, updated_at: now() })
      .where('id', '=', id)
      .execute();
    return toEscrow(await trx.selectFrom('escrows').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  }

  async function emit(trx: Trx, e: Escrow, type: string): Promise<void> {
    await events.recordEvent(trx, { merchantId: e.merchantId, type, objectType: 'escrow', objectId: e.id, data: escrowView(e) });
  }

  function buyerLink(e: Escrow): { token: string; url: string } {
    const token = buyerTokens.sign(e.id, new Date(new Date(e.createdAt).getTime() + settings.buyerLinkTtlMs));
    return { token, url: `${deps.publicBaseUrl}/escrow/${e.id}?token=${token}` };
  }

  // ---------------------------------------------------------------- creation and reading

  async function create(
    merchantId: string,
    input: NewEscrow,
    idempotencyKey?: string,
  ): Promise<{ escrow: Escrow; payment: Payment } | EscrowFailure> {
    if (input.customerId !== undefined) {
      const missing = await parties.firstMissingCustomer(merchantId, [input.customerId]);
      if (missing !== undefined) return fail('customer_not_found', `no customer ${missing}`);
    }
    let at = clock.now();
    const testClockId = input.testClockId ?? null;
    if (testClockId !== null) {
      const time = await deps.testClocks?.timeOf(store.reader, testClockId);
      if (time === undefined || time.merchantId !== merchantId) return fail(EscrowError.TestClockNotFound, `no test clock ${testClockId}`);
      if (time.status === 'advancing')
        return fail(EscrowError.TestClockAdvancing, `test clock ${testClockId} is advancing; create the trade when it is ready`);
      at = time.frozenTime;
    }
    const id = idempotencyKey === undefined ? newId('esc', at.getTime()) : derivedId('esc', `${merchantId}/escrows`, idempotencyKey);
    // The payment's id follows from the trade's, so a retry after a crash finds (or makes) the same one.
    const paymentKey = `escrow:${id}`;
    const paymentId = derivedId('pay', `${merchantId}/payments`, paymentKey);
    const digest = digestOf({ ...input, amount: { minor: input.amount.minor.toString(), currency: input.amount.currency } });
    const row: Database['escrows'] = {
      id,
      merchant_id: merchantId,
      payment_id: paymentId,
      merchant_order_id: input.merchantOrderId,
      status: 'awaiting_payment',
      amount: input.amount.minor,
      currency: input.amount.currency,
      goods_type: input.goodsType,
      description: input.description ?? null,
      customer_id: input.customerId ?? null,
      amount_held: 0n,
      amount_released: 0n,
      amount_refunded: 0n,
      fee: 0n,
      carrier: null,
      waybill_number: null,
      shipped_at: null,
      confirm_due_at: null,
      confirm_remaining_ms: null,
      extensions: 0n,
      refund_request: null,
      dispute: null,
      resolution: null,
      settlement: null,
      settle_seq: 0n,
      close_due_at: new Date(at.getTime() + (await periodsOf(store.reader, input.goodsType)).unpaidCloseAfterMs).toISOString(),
      request_digest: digest,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
      test_clock_id: testClockId,
    };
    const made = await writer.run(
      async (trx) => {
        const existing = await trx.selectFrom('escrows').selectAll().where('id', '=', id).executeTakeFirst();
        if (existing !== undefined) {
          return existing.request_digest === digest && existing.merchant_id === merchantId
            ? toEscrow(existing)
            : fail(EscrowError.IdempotencyConflict, 'this Idempotency-Key created a different escrow trade');
        }
        const taken = await trx
          .selectFrom('payments')
          .select('id')
          .where('merchant_id', '=', merchantId)
          .where('merchant_order_id', '=', input.merchantOrderId)
          .executeTakeFirst();
        if (taken !== undefined)
          return fail(EscrowError.OrderIdTaken, `merchant_order_id ${input.merchantOrderId} is already payment ${taken.id}`);
        if (testClockId !== null) {
          const on = await trx
            .selectFrom('escrows')
            .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
            .where('test_clock_id', '=', testClockId)
            .executeTakeFirstOrThrow();
          if (Number(on.n) >= testClockTradesMax)
            return fail(EscrowError.TestClockLimitReached, `a test clock carries at most ${testClockTradesMax} escrow trades`);
        }
        await trx.insertInto('escrows').values(row).execute();
        await timers.schedule(trx, {
          kind: timerKinds.autoClose,
          key: closeKey(id),
          dueAt: new Date(row.close_due_at),
          payload: { tradeId: id },
          testClockId,
        });
        const trade = toEscrow(row);
        await emit(trx, trade, 'escrow.created');
        return trade;
      },
      { keys: testClockId === null ? [paymentId] : [paymentId, `test_clock:${testClockId}:escrows`] },
    );
    if (isFailure(made)) return made;
    const payment = await payments.create(
      merchantId,
      {
        amount: input.amount,
        merchantOrderId: input.merchantOrderId,
        description: input.description,
        metadata: { ...input.metadata, escrow: id },
        captureMethod: 'automatic',
        customerId: input.customerId,
        // Escrow holds the shopper's own currency; the payment never converts; the release does (docs/escrow.md).
        fx: { settlementCurrency: input.amount.currency },
      },
      paymentKey,
    );
    if (isFailure(payment)) return payment;
    assert.equal(payment.id, paymentId, 'the escrow payment has the id the trade names');
    return { escrow: made, payment };
  }

  async function find(id: string): Promise<Escrow | undefined> {
    const row = await store.reader.selectFrom('escrows').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toEscrow(row);
  }

  /** Who may see and touch a trade: its merchant, its buyer (by link), the operator, the timers. */
  function allowed(e: Escrow, actor: Actor): boolean {
    if (actor.kind === 'merchant') return e.merchantId === actor.merchantId;
    if (actor.kind === 'buyer') return buyerTokens.verify(e.id, actor.token, clock.now());
    return true;
  }

  async function get(actor: Actor, id: string): Promise<Escrow | EscrowFailure> {
    return onTrade(actor, id, () => getNow(actor, id));
  }

  async function getNow(actor: Actor, id: string): Promise<Escrow | EscrowFailure> {
    const e = await find(id);
    if (e !== undefined) await settlementCurrencyOf(e.merchantId);
    if (e === undefined || (actor.kind === 'merchant' && !allowed(e, actor)))
      return fail(EscrowError.EscrowNotFound, `no escrow trade ${id}`);
    if (!allowed(e, actor)) return fail(EscrowError.BuyerTokenInvalid, 'the buyer link is not valid for this trade, or has expired');
    if (actor.kind === 'buyer' && (await parties.getMerchant(e.merchantId))?.status !== 'active')
      return fail(EscrowError.MerchantSuspended, 'the shop is suspended: this order cannot be seen or changed here now; contact Hutong');
    return e;
  }

  /** A merchant's trades; the operator (merchantId undefined) sees every merchant's, e.g. the disputed queue. */
  async function list(
    merchantId: string | undefined,
    request: PageRequest & { status?: string },
  ): Promise<Page<Escrow> | Failure<'cursor_invalid'>> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    let query = store.reader.selectFrom('escrows').selectAll();
    if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
    if (request.status !== undefined) query = query.where('status', '=', request.status);
    return toPage(await pageQuery(query, after, limit).execute(), limit, toEscrow);
  }

  // ---------------------------------------------------------------- the step runner

  /**
   * One step on one trade, as one unit: the trade is re-read under lock, the actor checked, the
   * step applied. A step that returns a Failure rolls back, so bad input changes nothing.
   */
  async function step(
    actor: Actor,
    id: string,
    work: (trx: Trx, e: Escrow) => Promise<Escrow | EscrowFailure>,
  ): Promise<Escrow | EscrowFailure> {
    return onTrade(actor, id, () => stepNow(actor, id, work));
  }

  async function stepNow(
    actor: Actor,
    id: string,
    work: (trx: Trx, e: Escrow) => Promise<Escrow | EscrowFailure>,
  ): Promise<Escrow | EscrowFailure> {
    const seen = await getNow(actor, id);
    if (isFailure(seen)) return seen;
    return writer.run(
      async (trx) => {
        const e = await lockTrade(trx, { id });
        assert.ok(e !== undefined, `escrow ${id} exists`);
        if (e.settlement !== null)
          return fail(
            EscrowError.Settling,
            `a refund of ${e.settlement.refundMinor} is being paid out for trade ${id}; try again when it is done`,
          );
        return work(trx, e);
      },
      { keys: keysOf(seen) },
    );
  }

  // ---------------------------------------------------------------- money

  /** escrowHeld → merchantPending (gross), then the merchant's fee on it → fee revenue; once per trade. */
  async function release(trx: Trx, e: Escrow, releaseMinor: bigint): Promise<bigint> {
    if (releaseMinor === 0n) return 0n;
    assert.ok(releaseMinor > 0n && releaseMinor <= e.heldMinor, `release ${releaseMinor} of ${e.heldMinor} held`);
    const payment = toPayment(await trx.selectFrom('payments').selectAll().where('id', '=', e.paymentId).executeTakeFirstOrThrow());
    const { currency } = e.amount;
    const method = payment.method?.type === 'card' ? 'card' : 'wallet';
    const brand =
      payment.method?.type === 'card' ? payment.method.brand : payment.method?.type === 'external_wallet' ? payment.channel : null;
    const settlementCurrency = await settlementCurrencyOf(e.merchantId);
    if (deps.fx !== undefined && settlementCurrency !== undefined && settlementCurrency !== currency) {
      const converted = await deps.fx.convertNow(e.merchantId, { minor: releaseMinor, currency }, settlementCurrency);
      // No rate now (a stale feed): the release credits the trade's own currency rather than wait.
      if (!isFailure(converted)) return releaseConverted(trx, e, releaseMinor, { method, brand }, converted);
    }
    const feeMinor = feeFor(await payments.feePlanOf(trx, e.merchantId), { method, brand, amountMinor: releaseMinor, currency });
    const held = await ledger.ensureAccount(trx, chart.escrowHeld(e.merchantId, currency));
    const pending = await ledger.ensureAccount(trx, chart.merchantPending(e.merchantId, currency));
    const revenue = await ledger.ensureAccount(trx, chart.feeRevenue(currency));
    const entry = await ledger.post(trx, {
      id: `${e.id}:release`,
      reason: 'escrow.release',
      link: { type: 'escrow', id: e.id },
      postings: [
        { accountId: held, currency, amountMinor: releaseMinor },
        { accountId: pending, currency, amountMinor: -releaseMinor },
        ...(feeMinor === 0n
          ? []
          : [
              { accountId: pending, currency, amountMinor: feeMinor },
              { accountId: revenue, currency, amountMinor: -feeMinor },
            ]),
      ],
    });
    assert.ok(!isFailure(entry), `release of escrow ${e.id}: ${isFailure(entry) ? entry.detail : ''}`);
    // The payment shows the fee that was finally taken (refunds after release return its share).
    await trx.updateTable('payments').set({ fee: feeMinor, updated_at: wallNow() }).where('id', '=', e.paymentId).execute();
    return feeMinor;
  }

  /**
   * The release of a trade in a currency P other than the merchant's settlement currency S: escrowHeld
   * (P) → FX position (P); FX position (S) at the mid rate → the merchant (S) at its rate, the
   * difference to FX revenue; the fee on the converted amount, in S. One entry.
   */
  async function releaseConverted(
    trx: Trx,
    e: Escrow,
    releaseMinor: bigint,
    how: { method: 'card' | 'wallet'; brand: string | null },
    converted: { currency: string; midMinor: bigint; merchantMinor: bigint; rate: string },
  ): Promise<bigint> {
    const p = e.amount.currency;
    const s = converted.currency;
    const feeMinor = feeFor(await payments.feePlanOf(trx, e.merchantId), { ...how, amountMinor: converted.merchantMinor, currency: s });
    const account = (spec: Parameters<Ledger['ensureAccount']>[1]) => ledger.ensureAccount(trx, spec);
    const merchant = await account(chart.merchantPending(e.merchantId, s));
    const postings = [
      { accountId: await account(chart.escrowHeld(e.merchantId, p)), currency: p, amountMinor: releaseMinor },
      { accountId: await account(chart.fxPosition(p)), currency: p, amountMinor: -releaseMinor },
      { accountId: await account(chart.fxPosition(s)), currency: s, amountMinor: converted.midMinor },
      { accountId: merchant, currency: s, amountMinor: -converted.merchantMinor },
      { accountId: await account(chart.fxRevenue(s)), currency: s, amountMinor: -(converted.midMinor - converted.merchantMinor) },
      { accountId: merchant, currency: s, amountMinor: feeMinor },
      { accountId: await account(chart.feeRevenue(s)), currency: s, amountMinor: -feeMinor },
    ].filter((x) => x.amountMinor !== 0n);
    const entry = await ledger.post(trx, {
      id: `${e.id}:release`,
      reason: 'escrow.release',
      link: { type: 'escrow', id: e.id },
      postings,
    });
    assert.ok(!isFailure(entry), `converted release of escrow ${e.id}: ${isFailure(entry) ? entry.detail : ''}`);
    await trx.updateTable('payments').set({ fee: feeMinor, updated_at: wallNow() }).where('id', '=', e.paymentId).execute();
    return feeMinor;
  }

  /** Releases what is held and completes the trade (buyer confirmed, timer, or operator). */
  async function complete(trx: Trx, e: Escrow, resolution: Resolution): Promise<Escrow> {
    const feeMinor = await release(trx, e, resolution.releaseMinor);
    await timers.cancel(trx, confirmKey(e.id));
    const done = await write(trx, e.id, {
      status: 'completed',
      amount_held: e.heldMinor - resolution.releaseMinor,
      amount_released: e.releasedMinor + resolution.releaseMinor,
      fee: e.feeMinor + feeMinor,
      confirm_due_at: null,
      confirm_remaining_ms: null,
      refund_request: null,
      resolution: storeJson(resolution),
    });
    await emit(trx, done, 'escrow.completed');
    return done;
  }

  /**
   * A decided payout with a refund leg: recorded on the trade (which then refuses other steps), then
   * paid by `runSettle` through the payment's refund machinery; the refund's own unit finishes the
   * trade (`port.refunded`). A timer resumes it if this process stops before that.
   */
  async function beginSettlement(trx: Trx, e: Escrow, plan: Omit<Settlement, 'seq'>): Promise<Escrow> {
    assert.ok(plan.refundMinor > 0n && plan.refundMinor + plan.releaseMinor <= e.heldMinor);
    const seq = e.settleSeq + 1;
    await timers.schedule(trx, {
      kind: timerKinds.settle,
      key: settleKey(e.id),
      dueAt: new Date(clock.now().getTime() + settings.settleRetryAfterMs),
      payload: { tradeId: e.id },
      testClockId: e.testClockId,
    });
    return write(trx, e.id, { settlement: storeJson({ ...plan, seq }), settle_seq: BigInt(seq) });
  }

  async function runSettle(id: string): Promise<Escrow | EscrowFailure> {
    const e = await find(id);
    if (e === undefined || e.settlement === null) return e ?? fail(EscrowError.EscrowNotFound, `no escrow trade ${id}`);
    const s = e.settlement;
    const refund = await payments.refund(
      e.merchantId,
      { paymentId: e.paymentId, amountMinor: s.refundMinor, reason: s.reason },
      `escrow:${e.id}:settle:${s.seq}`,
      { fromEscrow: true },
    );
    if (isFailure(refund)) return refund;
    if (refund.status === 'failed') {
      const back = await abandonSettlement(e, s, refund);
      return fail(
        EscrowError.RefundFailed,
        `the channel refused the refund (${refund.failureCode ?? 'no reason'}); nothing was refunded and the trade is ${back.status} again`,
      );
    }
    return (await find(id)) as Escrow;
  }

  /**
   * The channel refused the refund (the money never left escrow): the decision is undone, the trade
   * stays where it was (refunding or disputed) and the same decision may be taken again, as a new
   * refund under the next settlement number.
   */
  async function abandonSettlement(e: Escrow, s: Settlement, refund: Refund): Promise<Escrow> {
    return writer.run(
      async (trx) => {
        const current = await lockTrade(trx, { id: e.id });
        if (current === undefined || current.settlement?.seq !== s.seq) return current as Escrow;
        await timers.cancel(trx, settleKey(e.id));
        const back = await write(trx, e.id, { settlement: null });
        await events.recordEvent(trx, {
          merchantId: e.merchantId,
          type: 'escrow.refund_failed',
          objectType: 'escrow',
          objectId: e.id,
          data: { ...escrowView(back), failure_reason: refund.failureCode },
        });
        return back;
      },
      { keys: keysOf(e) },
    );
  }

  /** Decides (seller agrees, operator arbitrates) and pays; the answer is the trade afterwards. */
  async function decide(
    actor: Actor,
    id: string,
    work: (trx: Trx, e: Escrow) => Promise<Escrow | EscrowFailure>,
  ): Promise<Escrow | EscrowFailure> {
    const decided = await step(actor, id, work);
    if (isFailure(decided) || decided.settlement === null) return decided;
    const settled = await runSettle(id);
    if (isFailure(settled) && settled.failure === EscrowError.RefundFailed) return settled;
    // The decision stands even if the channel is slow: the trade shows `settling` and the timer resumes it.
    return isFailure(settled) ? ((await find(id)) as Escrow) : settled;
  }

  // ---------------------------------------------------------------- timer periods (operator, per goods type)

  /**
   * The periods a trade of this goods type runs on: what the operator set, else the defaults. A
   * timer takes the period when it starts (creation, shipment, a refund request); changing a
   * period never moves a timer already running.
   */
  async function periodsOf(db: Store['reader'] | Trx, goodsType: GoodsType): Promise<EscrowPeriods> {
    const row = await db.selectFrom('escrow_periods').selectAll().where('goods_type', '=', goodsType).executeTakeFirst();
    if (row === undefined)
      return {
        goodsType,
        confirmAfterMs: settings.confirmAfterMs[goodsType],
        unpaidCloseAfterMs: settings.unpaidCloseAfterMs,
        sellerAnswerAfterMs: settings.sellerAnswerAfterMs,
        updatedAt: null,
      };
    return {
      goodsType,
      confirmAfterMs: Number(row.confirm_after_ms),
      unpaidCloseAfterMs: Number(row.unpaid_close_after_ms),
      sellerAnswerAfterMs: Number(row.seller_answer_after_ms),
      updatedAt: row.updated_at,
    };
  }

  async function listPeriods(): Promise<EscrowPeriods[]> {
    return Promise.all(goodsTypes.map((g) => periodsOf(store.reader, g)));
  }

  /** Sets some of a goods type's periods (operator); the others keep their current value. */
  async function setPeriods(
    goodsType: GoodsType,
    input: Partial<Pick<EscrowPeriods, 'confirmAfterMs' | 'unpaidCloseAfterMs' | 'sellerAnswerAfterMs'>>,
  ): Promise<EscrowPeriods | EscrowFailure> {
    for (const [name, ms] of Object.entries(input))
      if (ms !== undefined && (!Number.isInteger(ms) || ms < periodMsMin || ms > periodMsMax))
        return fail(EscrowError.PeriodInvalid, `${name} must be from ${periodMsMin / 1000} seconds to ${periodMsMax / dayMs} days`);
    return writer.run(
      async (trx) => {
        const next = { ...(await periodsOf(trx, goodsType)), ...input, updatedAt: now() };
        const row = {
          goods_type: goodsType,
          confirm_after_ms: BigInt(next.confirmAfterMs),
          unpaid_close_after_ms: BigInt(next.unpaidCloseAfterMs),
          seller_answer_after_ms: BigInt(next.sellerAnswerAfterMs),
          updated_at: next.updatedAt,
        };
        await trx
          .insertInto('escrow_periods')
          .values(row)
          .onConflict((oc) =>
            oc.column('goods_type').doUpdateSet({
              confirm_after_ms: row.confirm_after_ms,
              unpaid_close_after_ms: row.unpaid_close_after_ms,
              seller_answer_after_ms: row.seller_answer_after_ms,
              updated_at: row.updated_at,
            }),
          )
          .execute();
        return next;
      },
      { keys: [] },
    );
  }

  // ---------------------------------------------------------------- confirm timer (pause/resume)

  async function startConfirmTimer(trx: Trx, e: Escrow, remainingMs: number): Promise<Partial<Database['escrows']>> {
    const dueAt = new Date(clock.now().getTime() + remainingMs);
    await timers.schedule(trx, {
      kind: timerKinds.autoConfirm,
      key: confirmKey(e.id),
      dueAt,
      payload: timerPayload(e),
      testClockId: e.testClockId,
    });
    return { confirm_due_at: dueAt.toISOString(), confirm_remaining_ms: null };
  }

  async function pauseConfirmTimer(trx: Trx, e: Escrow): Promise<Partial<Database['escrows']>> {
    if (e.confirmDueAt === null) return {};
    await timers.cancel(trx, confirmKey(e.id));
    const remainingMs = Math.max(0, new Date(e.confirmDueAt).getTime() - clock.now().getTime());
    return { confirm_due_at: null, confirm_remaining_ms: BigInt(remainingMs) };
  }

  /** Back to held or shipped (request withdrawn or agreed in part); a shipped trade's timer resumes. */
  async function reopen(
    trx: Trx,
    e: Escrow,
    to: 'held' | 'shipped',
    set: Partial<Database['escrows']>,
  ): Promise<Partial<Database['escrows']>> {
    await timers.cancel(trx, answerKey(e.id));
    const resumed =
      to === 'shipped' ? await startConfirmTimer(trx, e, e.confirmRemainingMs ?? (await periodsOf(trx, e.goodsType)).confirmAfterMs) : {};
    return { ...set, ...resumed, status: to, refund_request: null };
  }

  // ---------------------------------------------------------------- seller steps

  async function ship(merchantId: string, id: string, input: { carrier: string; waybillNumber: string }): Promise<Escrow | EscrowFailure> {
    return step({ kind: 'merchant', merchantId }, id, async (trx, e) => {
      const bad = checkMove(e.status, 'shipped', 'ship');
      if (bad !== undefined)
        return e.status === 'awaiting_payment' ? fail(EscrowError.StateInvalid, 'cannot ship a trade that is not paid yet') : bad;
      const timer = await startConfirmTimer(trx, e, (await periodsOf(trx, e.goodsType)).confirmAfterMs);
      const shipped = await write(trx, e.id, {
        status: 'shipped',
        carrier: input.carrier,
        waybill_number: input.waybillNumber,
        shipped_at: now(),
        ...timer,
      });
      await emit(trx, shipped, 'escrow.shipped');
      return shipped;
    });
  }

  async function extend(merchantId: string, id: string, days: number): Promise<Escrow | EscrowFailure> {
    return step({ kind: 'merchant', merchantId }, id, async (trx, e) => {
      if (e.status !== 'shipped' || e.confirmDueAt === null)
        return fail(EscrowError.StateInvalid, `only a shipped trade's confirm period can be extended; this one is ${e.status}`);
      if (!Number.isInteger(days) || days < 1 || days > settings.extensionDaysMax)
        return fail(EscrowError.ExtensionInvalid, `extend by 1 to ${settings.extensionDaysMax} days`);
      if (e.extensions >= settings.extensionsMax)
        return fail(EscrowError.ExtensionInvalid, `the confirm period was already extended ${settings.extensionsMax} times`);
      const dueAt = new Date(new Date(e.confirmDueAt).getTime() + days * 24 * 60 * 60 * 1000);
      await timers.schedule(trx, {
        kind: timerKinds.autoConfirm,
        key: confirmKey(e.id),
        dueAt,
        payload: timerPayload(e),
        testClockId: e.testClockId,
      });
      const extended = await write(trx, e.id, { confirm_due_at: dueAt.toISOString(), extensions: BigInt(e.extensions + 1) });
      await emit(trx, extended, 'escrow.extended');
      return extended;
    });
  }

  async function agreeRefund(merchantId: string, id: string): Promise<Escrow | EscrowFailure> {
    return agree({ kind: 'merchant', merchantId }, id);
  }

  /** The seller agrees — or, after `sellerAnswerAfterMs` of silence, the timer agrees for it. */
  async function agree(actor: Actor, id: string): Promise<Escrow | EscrowFailure> {
    return decide(actor, id, async (trx, e) => {
      const request = e.refundRequest;
      if (e.status !== 'refunding' || request === null)
        return fail(EscrowError.StateInvalid, `there is no refund request to agree to; the trade is ${e.status}`);
      const full = request.amountMinor === e.heldMinor;
      await timers.cancel(trx, answerKey(e.id));
      const resolution: Resolution = {
        by: actor.kind === 'timer' ? 'timer' : 'seller',
        decision: actor.kind === 'timer' ? 'refund_auto_agreed' : 'refund_agreed',
        refundMinor: request.amountMinor,
        releaseMinor: 0n,
        note: null,
        at: now(),
      };
      const started = await beginSettlement(trx, e, {
        refundMinor: request.amountMinor,
        releaseMinor: 0n,
        next: full ? 'refunded' : request.fromStatus,
        reason: `escrow refund: ${request.reason}`,
        resolution,
      });
      await emit(trx, started, 'escrow.refund_agreed');
      return started;
    });
  }

  async function refuseRefund(merchantId: string, id: string, reason: string): Promise<Escrow | EscrowFailure> {
    return step({ kind: 'merchant', merchantId }, id, async (trx, e) => {
      const bad =
        e.refundRequest === null
          ? fail(EscrowError.StateInvalid, `there is no refund request to refuse; the trade is ${e.status}`)
          : checkMove(e.status, 'disputed', 'refuse a refund on');
      if (bad !== undefined) return bad;
      await timers.cancel(trx, answerKey(e.id));
      const disputed = await write(trx, e.id, { status: 'disputed', dispute: storeJson({ sellerReason: reason, openedAt: now() }) });
      await emit(trx, disputed, 'escrow.disputed');
      return disputed;
    });
  }

  /** The seller cancels a trade nobody paid yet (the timer does the same when it is due). */
  async function cancel(merchantId: string, id: string): Promise<Escrow | EscrowFailure> {
    return onTrade({ kind: 'merchant', merchantId }, id, () => cancelNow(merchantId, id));
  }

  async function cancelNow(merchantId: string, id: string): Promise<Escrow | EscrowFailure> {
    const e = await getNow({ kind: 'merchant', merchantId }, id);
    if (isFailure(e)) return e;
    if (e.status !== 'awaiting_payment') return fail(EscrowError.StateInvalid, `cannot cancel a trade that is ${e.status}`);
    const closed = await closeUnpaid(e, 'canceled by the seller');
    if (closed === 'payment_in_flight') return fail(EscrowError.StateInvalid, 'the buyer is paying right now; try again in a moment');
    return closed;
  }

  // ---------------------------------------------------------------- buyer steps

  async function confirmReceipt(token: string, id: string): Promise<Escrow | EscrowFailure> {
    return step({ kind: 'buyer', token }, id, async (trx, e) => {
      const bad = checkMove(e.status, 'completed', 'confirm receipt of');
      if (bad !== undefined || e.status !== 'shipped')
        return bad ?? fail(EscrowError.StateInvalid, `cannot confirm receipt of a trade that is ${e.status}`);
      return complete(trx, e, {
        by: 'buyer',
        decision: 'receipt_confirmed',
        refundMinor: 0n,
        releaseMinor: e.heldMinor,
        note: null,
        at: now(),
      });
    });
  }

  async function requestRefund(
    token: string,
    id: string,
    input: { amountMinor?: bigint; reason: RefundReason; note?: string },
  ): Promise<Escrow | EscrowFailure> {
    return step({ kind: 'buyer', token }, id, async (trx, e) => {
      const bad = checkMove(e.status, 'refunding', 'request a refund on');
      if (bad !== undefined) return bad;
      const amountMinor = input.amountMinor ?? e.heldMinor;
      if (amountMinor <= 0n || amountMinor > e.heldMinor)
        return fail(EscrowError.RefundExceedsHeld, `cannot ask for ${amountMinor}: the trade holds ${e.heldMinor}`);
      const request: RefundRequest = {
        amountMinor,
        reason: input.reason,
        note: input.note ?? null,
        fromStatus: e.status as 'held' | 'shipped',
        requestedAt: now(),
      };
      const paused = await pauseConfirmTimer(trx, e);
      await timers.schedule(trx, {
        kind: timerKinds.refundAutoAgree,
        key: answerKey(e.id),
        dueAt: new Date(clock.now().getTime() + (await periodsOf(trx, e.goodsType)).sellerAnswerAfterMs),
        payload: { tradeId: e.id, requestedAt: request.requestedAt },
        testClockId: e.testClockId,
      });
      const requested = await write(trx, e.id, { status: 'refunding', refund_request: storeJson(request), ...paused });
      await emit(trx, requested, 'escrow.refund_requested');
      return requested;
    });
  }

  async function withdrawRefundRequest(token: string, id: string): Promise<Escrow | EscrowFailure> {
    return step({ kind: 'buyer', token }, id, async (trx, e) => {
      if (e.status !== 'refunding' || e.refundRequest === null)
        return fail(EscrowError.StateInvalid, `there is no open refund request; the trade is ${e.status}`);
      const back = await write(trx, e.id, await reopen(trx, e, e.refundRequest.fromStatus, {}));
      await emit(trx, back, 'escrow.refund_withdrawn');
      return back;
    });
  }

  // ---------------------------------------------------------------- operator

  async function arbitrate(
    id: string,
    input: { decision: ArbitrationDecision; refundMinor?: bigint; note?: string },
  ): Promise<Escrow | EscrowFailure> {
    return decide({ kind: 'operator' }, id, async (trx, e) => {
      if (e.status !== 'disputed') return fail(EscrowError.StateInvalid, `only a disputed trade is arbitrated; this one is ${e.status}`);
      const refundMinor = input.decision === 'refund' ? e.heldMinor : input.decision === 'release' ? 0n : (input.refundMinor ?? -1n);
      if (input.decision === 'split' && (refundMinor <= 0n || refundMinor >= e.heldMinor))
        return fail(EscrowError.RefundExceedsHeld, `a split refunds more than 0 and less than the ${e.heldMinor} held`);
      const releaseMinor = e.heldMinor - refundMinor;
      const resolution: Resolution = {
        by: 'operator',
        decision: input.decision,
        refundMinor,
        releaseMinor,
        note: input.note ?? null,
        at: now(),
      };
      if (refundMinor === 0n) return complete(trx, e, resolution);
      const started = await beginSettlement(trx, e, {
        refundMinor,
        releaseMinor,
        next: releaseMinor === 0n ? 'refunded' : 'completed',
        reason: `escrow arbitration: ${input.decision}`,
        resolution,
      });
      await emit(trx, started, 'escrow.arbitrated');
      return started;
    });
  }

  // ---------------------------------------------------------------- what payments call (EscrowPort)

  const port: EscrowPort = {
    async fundsOf(db, paymentId) {
      const row = await db.selectFrom('escrows').select('status').where('payment_id', '=', paymentId).executeTakeFirst();
      return row !== undefined && holdingStatuses.includes(row.status as EscrowStatus) ? 'escrow' : 'merchant';
    },
    async captured(trx, payment) {
      const e = await lockTrade(trx, { paymentId: payment.id });
      assert.ok(e !== undefined && e.status === 'awaiting_payment', `escrow of payment ${payment.id} awaits its payment (is ${e?.status})`);
      // The payment is the buyer's, on the wall clock; the trade takes it at its clock's time.
      const done = await inTradeTime(trx, e.testClockId, 'timer', () => heldNow(trx, e, payment));
      assert.ok(!isFailure(done));
    },
    async releasedConversion(trx, payment, refund) {
      const row = await trx.selectFrom('escrows').selectAll().where('payment_id', '=', payment.id).executeTakeFirst();
      if (row === undefined || row.status !== 'completed') return undefined;
      const e = toEscrow(row);
      const released = await ledger.getEntry(trx, `${e.id}:release`);
      const p = e.amount.currency;
      const converted = released?.postings.filter((x) => x.currency !== p) ?? [];
      if (converted.length === 0 || e.releasedMinor === 0n) return undefined;
      const s = (converted[0] as { currency: string }).currency;
      const positionS = accountIdFor(chart.fxPosition(s));
      const merchantS = accountIdFor(chart.merchantPending(e.merchantId, s));
      const midTotal = converted.find((x) => x.accountId === positionS)?.amountMinor ?? 0n;
      const merchantTotal = -(converted.find((x) => x.accountId === merchantS && x.amountMinor < 0n)?.amountMinor ?? 0n);
      // What went back while the trade held the money came out of escrow, not out of the release.
      const before = refund.refundedBeforeMinor - e.refundedMinor;
      const after = before + refund.refundMinor;
      assert.ok(
        before >= 0n && after <= e.releasedMinor,
        `refund of ${refund.refundMinor} after a release of ${e.releasedMinor} (${before} before)`,
      );
      const share = (total: bigint, part: bigint) => divideRounded(total * part, e.releasedMinor, 'half_up');
      return {
        currency: s,
        midMinor: share(midTotal, after) - share(midTotal, before),
        merchantMinor: share(merchantTotal, after) - share(merchantTotal, before),
      };
    },
    async refundKeys(payment) {
      const row = await store.reader.selectFrom('escrows').selectAll().where('payment_id', '=', payment.id).executeTakeFirst();
      if (row === undefined) return [];
      const e = toEscrow(row);
      return keysOf(e, await settlementCurrencyOf(e.merchantId));
    },
    async refunded(trx, payment, refund: Refund) {
      const e = await lockTrade(trx, { paymentId: payment.id });
      const done = await inTradeTime(trx, e?.testClockId ?? null, 'timer', () => refundedNow(trx, e, payment, refund));
      assert.ok(!isFailure(done));
    },
  };

  async function heldNow(trx: Trx, e: Escrow, payment: Payment): Promise<void> {
    assert.equal(payment.amountCapturedMinor, e.amount.minor, 'an escrow payment is captured in full');
    await timers.cancel(trx, closeKey(e.id));
    const held = await write(trx, e.id, {
      status: 'held',
      amount_held: payment.amountCapturedMinor,
      customer_id: e.customerId ?? payment.customerId,
    });
    await emit(trx, held, 'escrow.held');
  }

  async function refundedNow(trx: Trx, e: Escrow | undefined, payment: Payment, refund: Refund): Promise<void> {
    const s = e?.settlement;
    assert.ok(
      e !== undefined && s !== null && s !== undefined && s.refundMinor === refund.amount.minor,
      `refund ${refund.id} is the settlement of escrow of payment ${payment.id}`,
    );
    const after: Escrow = {
      ...e,
      heldMinor: e.heldMinor - refund.amount.minor,
      refundedMinor: e.refundedMinor + refund.amount.minor,
      settlement: null,
    };
    await timers.cancel(trx, settleKey(e.id));
    await write(trx, e.id, { amount_held: after.heldMinor, amount_refunded: after.refundedMinor, settlement: null });
    if (s.next === 'completed') {
      await complete(
        trx,
        after,
        s.resolution ?? {
          by: 'operator',
          decision: 'split',
          refundMinor: s.refundMinor,
          releaseMinor: s.releaseMinor,
          note: null,
          at: now(),
        },
      );
      return;
    }
    const set =
      s.next === 'refunded'
        ? { status: 'refunded', refund_request: null, confirm_due_at: null, confirm_remaining_ms: null }
        : await reopen(trx, after, s.next as 'held' | 'shipped', {});
    const done = await write(trx, e.id, { ...set, resolution: storeJson(s.resolution) });
    if (s.next === 'refunded') await timers.cancel(trx, confirmKey(e.id));
    await emit(trx, done, 'escrow.refunded');
  }

  // ---------------------------------------------------------------- timers

  /** Cancels the unpaid payment (outside any unit: it is the payments module's own step), then closes the trade. */
  async function closeUnpaid(e: Escrow, why: string): Promise<Escrow | 'payment_in_flight'> {
    let payment = await payments.get(e.merchantId, e.paymentId);
    if (!isFailure(payment) && (payment.status === 'requires_payment_method' || payment.status === 'requires_action')) {
      await payments.cancel(e.merchantId, e.paymentId);
      payment = await payments.get(e.merchantId, e.paymentId);
    }
    const open = !isFailure(payment) && payment.status !== 'canceled' && payment.status !== 'failed';
    if (open) return (await find(e.id))?.status === 'awaiting_payment' ? 'payment_in_flight' : ((await find(e.id)) as Escrow);
    return writer.run(
      async (trx) => {
        const current = await lockTrade(trx, { id: e.id });
        if (current === undefined || current.status !== 'awaiting_payment') return current as Escrow;
        await timers.cancel(trx, closeKey(e.id));
        const closed = await write(trx, e.id, {
          status: 'closed',
          resolution: storeJson({ by: 'timer', decision: why, refundMinor: 0n, releaseMinor: 0n, note: null, at: now() }),
        });
        await emit(trx, closed, 'escrow.closed');
        return closed;
      },
      { keys: keysOf(e) },
    );
  }

  timers.register(timerKinds.autoConfirm, {
    keys: (job) =>
      keysOf(
        {
          paymentId: String(job.payload.paymentId),
          merchantId: String(job.payload.merchantId),
          amount: { minor: 0n, currency: String(job.payload.currency) },
        },
        typeof job.payload.settlementCurrency === 'string' ? job.payload.settlementCurrency : undefined,
      ),
    async inUnit(trx, job) {
      const e = await lockTrade(trx, { id: String(job.payload.tradeId) });
      if (e === undefined || e.status !== 'shipped' || e.settlement !== null || e.confirmDueAt === null) return undefined;
      if (e.confirmDueAt > now()) return { retryAt: new Date(e.confirmDueAt) };
      await complete(trx, e, {
        by: 'timer',
        decision: 'auto_confirmed',
        refundMinor: 0n,
        releaseMinor: e.heldMinor,
        note: null,
        at: now(),
      });
      return undefined;
    },
  });

  timers.register(timerKinds.autoClose, {
    async outside(job) {
      const e = await find(String(job.payload.tradeId));
      if (e === undefined || e.status !== 'awaiting_payment') return undefined;
      const closed = await closeUnpaid(e, 'unpaid: closed automatically');
      // A payment being made right now: look again shortly rather than close under it.
      return closed === 'payment_in_flight' ? { retryAt: new Date(clock.now().getTime() + 5 * 60_000) } : undefined;
    },
  });

  timers.register(timerKinds.settle, {
    async outside(job) {
      const settled = await runSettle(String(job.payload.tradeId));
      if (isFailure(settled) && settled.failure !== EscrowError.RefundFailed)
        throw new Error(`escrow settlement ${String(job.payload.tradeId)}: ${settled.failure} ${settled.detail}`);
      // The channel has not answered yet (the refund is pending): look again later, until it has.
      if (!isFailure(settled) && settled.settlement !== null)
        return { retryAt: new Date(clock.now().getTime() + settings.settleRetryAfterMs) };
      return undefined;
    },
  });

  timers.register(timerKinds.refundAutoAgree, {
    async outside(job) {
      const e = await find(String(job.payload.tradeId));
      if (e === undefined || e.status !== 'refunding' || e.refundRequest?.requestedAt !== job.payload.requestedAt) return undefined;
      const agreed = await agree({ kind: 'timer' }, e.id);
      if (!isFailure(agreed)) return undefined;
      // Busy paying out (look again shortly) or the channel refused (try again tomorrow).
      const laterMs = agreed.failure === EscrowError.Settling ? settings.settleRetryAfterMs : 24 * 60 * 60 * 1000;
      return { retryAt: new Date(clock.now().getTime() + laterMs) };
    },
  });

  return {
    create,
    get,
    list,
    buyerLink,
    ship,
    extend,
    agreeRefund,
    refuseRefund,
    cancel,
    confirmReceipt,
    requestRefund,
    withdrawRefundRequest,
    arbitrate,
    runSettle,
    port,
    settings,
    periods: listPeriods,
    setPeriods,
  };
}

/** What the operator may set an escrow period to: a minute (for tests and demos) to a year. */
const periodMsMin = 60_000;
const dayMs = 24 * 60 * 60 * 1000;
const periodMsMax = 365 * dayMs;

/** The timer periods trades of one goods type run on (`updatedAt` null: the defaults). */
export interface EscrowPeriods {
  readonly goodsType: GoodsType;
  readonly confirmAfterMs: number;
  readonly unpaidCloseAfterMs: number;
  readonly sellerAnswerAfterMs: number;
  readonly updatedAt: string | null;
}

export type EscrowService = ReturnType<typeof createEscrow>;
