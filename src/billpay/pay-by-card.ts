import type { BillerConnector } from '../channels/billers/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import type { Transaction } from 'kysely';
import { accountIdFor, chart } from '../ledger/index.js';
import type { Database } from '../store/index.js';
import { cardsOf, refundCard } from './card-refund.js';
import type { BillCardCharge, BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { BillCard, BillPayment } from './model.js';
import { postAndRecord } from './posting.js';
import { billerPayable, toPayment } from './rows.js';
import { transition } from './state.js';

/**
 * Paying a bill by card through the payment gateway (src/payments, via BillpayCardsPort).
 *
 *  1. claim: one unit records the payment `charging` and claims the bill; no money moves yet;
 *  2. talk: the card payment (the payer's merchant's, keyed by the bill payment) is created and confirmed;
 *  3. record: one guarded unit moves the captured money from the merchant's pending balance into the
 *     biller payable (`charging → posting`), or frees the bill (`charging → failed`).
 *
 * From `posting` on, a card-funded payment is a wallet one: posting, queries, accept or refund. A
 * refund goes back to the merchant's pending balance and then to the card (`card_refund`). A crash
 * between 1 and 3 leaves `charging`: the sweeper asks the gateway under the same key (settle) and
 * records what it says; a card payment never created, or closed before it was charged, fails it.
 */
type Result<T> = T | Failure<BillpayError>;
type Row = Database['billpay_payments'];

/** The card payment's idempotency key: one card payment per bill payment, whoever asks. */
export const cardKey = (paymentId: string) => `billpay:${paymentId}`;

export async function payByCard(
  deps: BillpayDeps,
  connector: BillerConnector,
  row: Row,
  freshBill: Partial<Database['billpay_bills']> | null,
  card: BillCard,
): Promise<Result<BillPayment>> {
  const claimed = await claim(deps, row, freshBill);
  if (isFailure(claimed)) return claimed;
  if (claimed.replayed) return notChargedAsFailure(toPayment(claimed.row));
  const charge = await cardsOf(deps).charge(row.merchant_id, {
    key: cardKey(row.id),
    billPaymentId: row.id,
    customerId: row.customer_id,
    amount: { minor: row.amount + row.payer_fee, currency: row.currency },
    description: `Bill payment ${row.id}`,
    card,
  });
  const { payment, moved } = await recordCharge(deps, row.id, charge);
  // Whoever moved it to `posting` sends the posting (the request, or a sweeper that got there first).
  if (payment.status !== 'posting' || !moved) return notChargedAsFailure(payment);
  return postAndRecord(deps, connector, payment, row.biller_bill_ref);
}

/** A card that was never charged answers as a problem (402), on the first request and on every replay. */
export function notChargedAsFailure(payment: BillPayment): Result<BillPayment> {
  if (payment.status === 'failed') return fail(BillpayError.CardNotCharged, payment.reason ?? 'the card was not charged');
  return payment;
}

/** One unit: the payment row `charging` and the bill claimed; a retry finds the row. */
async function claim(
  deps: BillpayDeps,
  row: Row,
  freshBill: Partial<Database['billpay_bills']> | null,
): Promise<Result<{ row: Row; replayed: boolean }>> {
  return deps.writer.run(
    async (trx) => {
      const inserted = await trx
        .insertInto('billpay_payments')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 1n) {
        const existing = await trx.selectFrom('billpay_payments').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
        if (existing.request_digest !== row.request_digest)
          return fail(BillpayError.IdempotencyConflict, 'this Idempotency-Key was used for another request');
        return { row: existing, replayed: true };
      }
      if (row.bill_id !== null) {
        const taken = await trx
          .updateTable('billpay_bills')
          .set({ ...freshBill, status: 'paying', updated_at: row.created_at })
          .where('id', '=', row.bill_id)
          .where('status', '=', 'available')
          .executeTakeFirst();
        if (taken.numUpdatedRows !== 1n) return fail(BillpayError.BillAlreadyPaid, `bill ${row.bill_id} is already being paid`);
      }
      return { row, replayed: false };
    },
    { keys: [row.id, ...(row.bill_id === null ? [] : [row.bill_id])] },
  );
}

/**
 * Records what the gateway said of the card payment, under a guard on `charging`: of the request
 * and the sweeper, one moves the money. A charge that succeeded after the payment was already
 * failed (a very late confirm) is refunded to the card at once: the bill was never paid with it.
 */
export async function recordCharge(
  deps: BillpayDeps,
  paymentId: string,
  charge: BillCardCharge,
): Promise<{ payment: BillPayment; moved: boolean }> {
  const head = await deps.store.reader
    .selectFrom('billpay_payments')
    .select(['biller_id', 'merchant_id', 'currency'])
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  const payable = billerPayable(head.biller_id, head.currency);
  const pending = chart.merchantPending(head.merchant_id, head.currency);
  const recorded = await deps.writer.run(
    async (trx) => {
      const row = await trx.selectFrom('billpay_payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
      const now = deps.clock.now();
      const event = charge.status === 'succeeded' ? 'charged' : charge.status === 'failed' ? 'charge_failed' : undefined;
      const next = event === undefined ? undefined : transition(row.status as BillPayment['status'], event);
      if (next === undefined) return { row: await recordUnmoved(deps, trx, row, charge), moved: false };
      const changes: Partial<Row> = {
        status: next,
        card_payment_id: charge.paymentId,
        reason: next === 'failed' ? (charge.detail ?? 'the card was not charged') : null,
        next_check_at: next === 'posting' ? new Date(now.getTime() + deps.settings.postingGraceMs).toISOString() : null,
        updated_at: now.toISOString(),
      };
      const moved = await trx
        .updateTable('billpay_payments')
        .set(changes)
        .where('id', '=', paymentId)
        .where('status', '=', 'charging')
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) return { row, moved: false };
      if (next === 'failed') {
        if (row.bill_id !== null)
          await trx
            .updateTable('billpay_bills')
            .set({ status: 'available', updated_at: now.toISOString() })
            .where('id', '=', row.bill_id)
            .where('status', '=', 'paying')
            .execute();
        return { row: { ...row, ...changes }, moved: true };
      }
      const total = row.amount + row.payer_fee;
      if (charge.capturedMinor !== total)
        throw new Error(`bill payment ${paymentId}: the card captured ${charge.capturedMinor}, not ${total}`);
      // The card payment's capture put the money on the merchant's pending balance (net of its card fee): it pays the bill.
      const entry = await deps.ledger.post(trx, {
        id: `${paymentId}:card`,
        reason: 'billpay.card',
        link: { type: 'bill_payment', id: paymentId },
        postings: [
          { accountId: await deps.ledger.ensureAccount(trx, pending), currency: row.currency, amountMinor: total },
          { accountId: await deps.ledger.ensureAccount(trx, payable), currency: row.currency, amountMinor: -total },
        ],
      });
      if (isFailure(entry)) throw new Error(`bill payment ${paymentId} card funds: ${entry.detail}`);
      return { row: { ...row, ...changes }, moved: true };
    },
    { keys: [paymentId, accountIdFor(payable), accountIdFor(pending)] },
  );
  const payment = toPayment(recorded.row);
  if (payment.cardRefund === 'due') return { payment: await refundCard(deps, payment), moved: false };
  return { payment, moved: recorded.moved };
}

/**
 * No status change: a charge still on its way (or in 3-D Secure) is looked at again later; a charge
 * that succeeded after its payment was failed is owed back to the card (`card_refund = due`).
 */
async function recordUnmoved(deps: BillpayDeps, trx: Transaction<Database>, row: Row, charge: BillCardCharge): Promise<Row> {
  const now = deps.clock.now();
  if (row.status === 'charging') {
    const changes = {
      card_payment_id: charge.paymentId ?? row.card_payment_id,
      reason: charge.detail,
      next_check_at: new Date(now.getTime() + deps.settings.recheckDelayMs).toISOString(),
    };
    await trx.updateTable('billpay_payments').set(changes).where('id', '=', row.id).where('status', '=', 'charging').execute();
    return { ...row, ...changes };
  }
  if (charge.status === 'succeeded' && row.status === 'failed' && row.card_refund === null && charge.paymentId !== null) {
    const changes = { card_payment_id: charge.paymentId, card_refund: 'due', updated_at: now.toISOString() };
    await trx.updateTable('billpay_payments').set(changes).where('id', '=', row.id).where('card_refund', 'is', null).execute();
    return { ...row, ...changes };
  }
  return row;
}

/** The sweeper's turn on a `charging` payment whose request went quiet: ask the gateway, record, post. */
export async function resolveCharging(
  deps: BillpayDeps,
  connector: BillerConnector | undefined,
  payment: BillPayment,
): Promise<BillPayment> {
  const waited = deps.clock.now().getTime() - Date.parse(payment.createdAt);
  const options = { closeAwaitingAction: waited >= deps.settings.cardActionWaitMs };
  const charge = (await cardsOf(deps).settle(payment.merchantId, cardKey(payment.id), options)) ?? {
    status: 'failed' as const,
    paymentId: null,
    capturedMinor: 0n,
    detail: 'the card payment was never created: the card was not charged',
    nextActionUrl: null,
  };
  const { payment: after, moved } = await recordCharge(deps, payment.id, charge);
  if (after.status !== 'posting' || !moved || connector === undefined) return after;
  const ref = await deps.store.reader
    .selectFrom('billpay_payments')
    .select('biller_bill_ref')
    .where('id', '=', payment.id)
    .executeTakeFirstOrThrow();
  return postAndRecord(deps, connector, after, ref.biller_bill_ref);
}
