import assert from 'node:assert/strict';
import type { BillerConnector, PostingOutcome } from '../channels/billers/index.js';
import { isFailure } from '../core/index.js';
import { accountIdFor, chart, type Posting } from '../ledger/index.js';
import type { Database } from '../store/index.js';
import { refundCard } from './card-refund.js';
import type { BillpayDeps } from './deps.js';
import type { BillPayment } from './model.js';
import { billerPayable, toPayment } from './rows.js';
import { transition, type BillPaymentEvent } from './state.js';

/**
 * The posting to the biller and what its answer does to the money. Every outcome is recorded in
 * one writer unit whose status change is guarded (`where status = <read>`), so of two recorders
 * (the request and the sweeper, or two Hutong processes) exactly one moves the money:
 *  - accepted: biller payable → the biller's merchant account (less its commission) and Hutong's fees;
 *  - rejected, or never booked after the attempts allowed: biller payable → back to the wallet;
 *  - no answer: nothing moves; the payment waits for a query (next_check_at).
 */
export type Outcome = PostingOutcome | { readonly kind: 'not_booked'; readonly detail: string };

const eventOf: Record<Outcome['kind'], BillPaymentEvent> = {
  accepted: 'accepted',
  rejected: 'rejected',
  unknown: 'no_answer',
  not_booked: 'not_booked',
};
/** The longest wait between two queries of an unanswered posting. */
export const recheckDelayMsMax = 10 * 60_000;

export async function postAndRecord(
  deps: BillpayDeps,
  connector: BillerConnector,
  payment: BillPayment,
  billerBillRef: string | null,
): Promise<BillPayment> {
  const outcome = await connector.post({
    reference: payment.id,
    account: payment.accountNumber,
    billerBillRef,
    amountMinor: payment.amount.minor,
    periods: payment.periods,
  });
  return recordOutcome(deps, payment.id, outcome);
}

function moneyFor(row: Database['billpay_payments'], merchantId: string, accepted: boolean): Posting[] {
  const { currency } = row;
  const payable = accountIdFor(billerPayable(row.biller_id, currency));
  const total = row.amount + row.payer_fee;
  // A card-funded payment goes back where its card payment's capture put it (the payer's merchant), then to the card.
  const payer = row.funding === 'card' ? chart.merchantPending(row.merchant_id, currency) : chart.customerWallet(row.customer_id, currency);
  if (!accepted)
    return [
      { accountId: payable, currency, amountMinor: total },
      { accountId: accountIdFor(payer), currency, amountMinor: -total },
    ];
  const fees = row.payer_fee + row.biller_fee;
  return [
    { accountId: payable, currency, amountMinor: total },
    { accountId: accountIdFor(chart.merchantPending(merchantId, currency)), currency, amountMinor: -(row.amount - row.biller_fee) },
    ...(fees > 0n ? [{ accountId: accountIdFor(chart.feeRevenue(currency)), currency, amountMinor: -fees }] : []),
  ];
}

export async function recordOutcome(deps: BillpayDeps, paymentId: string, outcome: Outcome): Promise<BillPayment> {
  const head = await deps.store.reader
    .selectFrom('billpay_payments')
    .select(['biller_id', 'customer_id', 'currency', 'merchant_id'])
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  const biller = await deps.store.reader
    .selectFrom('billpay_billers')
    .select('merchant_id')
    .where('id', '=', head.biller_id)
    .executeTakeFirstOrThrow();
  const keys = [
    accountIdFor(billerPayable(head.biller_id, head.currency)),
    accountIdFor(chart.customerWallet(head.customer_id, head.currency)),
    accountIdFor(chart.merchantPending(biller.merchant_id, head.currency)),
    accountIdFor(chart.feeRevenue(head.currency)),
    accountIdFor(chart.merchantPending(head.merchant_id, head.currency)),
  ];
  const recorded = await deps.writer.run(
    async (trx) => {
      const row = await trx.selectFrom('billpay_payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow();
      const next = transition(row.status as BillPayment['status'], eventOf[outcome.kind]);
      if (next === undefined) return toPayment(row);
      const now = deps.clock.now();
      const delayMs = Math.min(deps.settings.recheckDelayMs * 2 ** Math.max(0, Number(row.attempts) - 1), recheckDelayMsMax);
      const changes: Partial<Database['billpay_payments']> = {
        status: next,
        updated_at: now.toISOString(),
        next_check_at: next === 'awaiting_biller' ? new Date(now.getTime() + delayMs).toISOString() : null,
        ...(outcome.kind === 'accepted' ? { biller_receipt: outcome.receipt, reason: null } : {}),
        ...(outcome.kind === 'rejected' ? { reason: outcome.reason } : {}),
        ...(outcome.kind === 'not_booked' || outcome.kind === 'unknown' ? { reason: outcome.detail } : {}),
        ...(next === 'refunded' && row.funding === 'card' ? { card_refund: 'due' } : {}),
      };
      const moved = await trx
        .updateTable('billpay_payments')
        .set(changes)
        .where('id', '=', paymentId)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) return toPayment(row);
      if (next === 'accepted' || next === 'refunded') {
        if (outcome.kind === 'accepted')
          assert.equal(outcome.amountMinor, row.amount, `biller booked ${outcome.amountMinor} for ${paymentId} of ${row.amount}`);
        const postings = moneyFor(row, biller.merchant_id, next === 'accepted');
        if (next === 'accepted') await deps.ledger.ensureAccount(trx, chart.merchantPending(biller.merchant_id, row.currency));
        if (next === 'accepted' && row.payer_fee + row.biller_fee > 0n)
          await deps.ledger.ensureAccount(trx, chart.feeRevenue(row.currency));
        const kind = next === 'accepted' ? 'accept' : 'refund';
        const entry = await deps.ledger.post(trx, {
          id: `${paymentId}:${kind}`,
          reason: `billpay.${kind}`,
          link: { type: 'bill_payment', id: paymentId },
          postings,
        });
        if (isFailure(entry)) throw new Error(`bill payment ${paymentId} ${kind}: ${entry.detail}`);
        const settled = toPayment({ ...row, ...changes });
        await deps.events.record(trx, { merchantId: row.merchant_id, type: `bill_payment.${next}`, payment: settled });
        // The biller hears of what it is paid (its merchant's webhooks), without the payer's merchant or customer.
        if (next === 'accepted')
          await deps.events.recordForBiller(trx, { merchantId: biller.merchant_id, type: 'biller_payment.accepted', payment: settled });
        if (row.bill_id !== null)
          await trx
            .updateTable('billpay_bills')
            .set({ status: next === 'accepted' ? 'paid' : 'available', updated_at: now.toISOString() })
            .where('id', '=', row.bill_id)
            .where('status', '=', 'paying')
            .execute();
      }
      return toPayment({ ...row, ...changes });
    },
    { keys },
  );
  return recorded.cardRefund === 'due' ? refundCard(deps, recorded) : recorded;
}
