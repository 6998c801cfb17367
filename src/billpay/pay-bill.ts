import type { BillerConnector } from '../channels/billers/index.js';
import { derivedId, digestOf, fail, isFailure, newId, type Failure } from '../core/index.js';
import { accountIdFor, chart, LedgerError } from '../ledger/index.js';
import type { Database } from '../store/index.js';
import { accountNumberProblem } from './account-rules.js';
import { checkAmount, type AmountContext } from './amount-rules.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import { checkedBiller, fetchedColumns } from './fetch-bill.js';
import type { Biller, BillPayment, PayBillInput } from './model.js';
import { notChargedAsFailure, payByCard } from './pay-by-card.js';
import { postAndRecord } from './posting.js';
import { billerPayable, toPayment } from './rows.js';

/**
 * Pay a bill from the customer's Hutong wallet (here), or by card (pay-by-card.ts). Before anyone is charged: the account number is
 * checked, the biller is asked again (fetch: the bill now, late fee included; validate: the
 * account and its limits; direct: is it up) and the amount is held to the biller's rule. Then one
 * writer unit records the payment, claims the bill and moves the money from the wallet into the
 * biller payable; only then is the posting sent (posting.ts).
 */
interface Prepared {
  readonly accountNumber: string;
  readonly billId: string | null;
  readonly billerBillRef: string | null;
  readonly context: AmountContext;
  /** The bill as the biller states it now (fetch model), written onto the bill when it is claimed. */
  readonly freshBill: Partial<Database['billpay_bills']> | null;
}

type Result<T> = T | Failure<BillpayError>;

async function prepareFetch(
  deps: BillpayDeps,
  merchantId: string,
  biller: Biller,
  connector: BillerConnector,
  billId: string | undefined,
): Promise<Result<Prepared>> {
  if (billId === undefined) return fail(BillpayError.ModelMismatch, `${biller.name} bills: fetch the bill first and pay it by its id`);
  const row = await deps.store.reader
    .selectFrom('billpay_bills')
    .selectAll()
    .where('id', '=', billId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (row === undefined || row.biller_id !== biller.id) return fail(BillpayError.BillNotFound, `no bill ${billId} of ${biller.name}`);
  if (row.status === 'paying' || row.status === 'paid')
    return fail(BillpayError.BillAlreadyPaid, `bill ${billId} is ${row.status === 'paid' ? 'paid' : 'being paid'}`);
  if (row.status !== 'available') return fail(BillpayError.BillNotPayable, `bill ${billId} is ${row.status}`);
  const now = await connector.fetch(row.account_number);
  if (now.kind === 'unavailable') return fail(BillpayError.BillerUnavailable, `${biller.name} did not answer; nothing was charged`);
  if (now.kind !== 'bill')
    return fail(
      BillpayError.BillNotPayable,
      now.kind === 'nothing_due' ? 'nothing is due any more' : 'the biller no longer knows this account',
    );
  return {
    accountNumber: row.account_number,
    billId: row.id,
    billerBillRef: now.bill.billerBillRef,
    context: {
      rule: biller.amountRule,
      minMinor: biller.minAmountMinor,
      maxMinor: biller.maxAmountMinor,
      dueMinor: now.bill.amountDueMinor,
      periods: now.bill.periods.map((p) => p.amountMinor),
    },
    freshBill: fetchedColumns(now),
  };
}

async function prepare(
  deps: BillpayDeps,
  merchantId: string,
  biller: Biller,
  connector: BillerConnector,
  input: PayBillInput,
): Promise<Result<Prepared>> {
  if (biller.model === 'fetch') return prepareFetch(deps, merchantId, biller, connector, input.billId);
  if (input.accountNumber === undefined) return fail(BillpayError.AccountNumberInvalid, `${biller.accountRule.label} is required`);
  const problem = accountNumberProblem(biller.accountRule, input.accountNumber);
  if (problem !== undefined) return fail(BillpayError.AccountNumberInvalid, problem);
  const base = { accountNumber: input.accountNumber, billId: null, billerBillRef: null, freshBill: null };
  const limits = { rule: biller.amountRule, dueMinor: null, periods: [] };
  if (biller.model === 'direct') {
    if (!(await connector.available())) return fail(BillpayError.BillerUnavailable, `${biller.name} did not answer; nothing was charged`);
    return { ...base, context: { ...limits, minMinor: biller.minAmountMinor, maxMinor: biller.maxAmountMinor } };
  }
  const valid = await connector.validate(input.accountNumber);
  if (valid.kind === 'unavailable') return fail(BillpayError.BillerUnavailable, `${biller.name} did not answer; nothing was charged`);
  if (valid.kind === 'not_found') return fail(BillpayError.BillerCustomerNotFound, `${biller.name} does not know ${input.accountNumber}`);
  if (valid.kind === 'nothing_due') return fail(BillpayError.BillNotPayable, `${biller.name} takes no payment for ${input.accountNumber}`);
  const minMinor = valid.minMinor > biller.minAmountMinor ? valid.minMinor : biller.minAmountMinor;
  const maxMinor = valid.maxMinor < biller.maxAmountMinor ? valid.maxMinor : biller.maxAmountMinor;
  return { ...base, context: { ...limits, minMinor, maxMinor } };
}

export async function payBill(deps: BillpayDeps, merchantId: string, input: PayBillInput): Promise<Result<BillPayment>> {
  const id =
    input.idempotencyKey === undefined
      ? newId('bpay', deps.clock.now().getTime())
      : derivedId('bpay', `${merchantId}/bill_payment`, input.idempotencyKey);
  // An entered card's number never reaches the digest (an unkeyed hash of a card number is no protection).
  const cardOfDigest = input.card === undefined ? undefined : 'cardId' in input.card ? input.card.cardId : 'entered';
  const requestDigest = digestOf({
    ...input,
    idempotencyKey: undefined,
    card: cardOfDigest,
    amount: `${input.amount.minor} ${input.amount.currency}`,
  });
  const replay = await deps.store.reader.selectFrom('billpay_payments').selectAll().where('id', '=', id).executeTakeFirst();
  if (replay !== undefined)
    return replay.request_digest === requestDigest
      ? notChargedAsFailure(toPayment(replay))
      : fail(BillpayError.IdempotencyConflict, 'this Idempotency-Key was used for another request');
  if (input.card !== undefined && deps.cards === undefined)
    return fail(BillpayError.CardsUnavailable, 'no card payment gateway is configured for bill payment');
  if (!(await deps.parties.customerExists(merchantId, input.customerId)))
    return fail(BillpayError.CustomerNotFound, `no customer ${input.customerId}`);
  const found = await checkedBiller(deps, input.billerId);
  if ('failure' in found) return found;
  const { biller, connector } = found;
  if (input.amount.currency !== biller.currency) return fail(BillpayError.AmountNotAllowed, `${biller.name} is paid in ${biller.currency}`);
  const prepared = await prepare(deps, merchantId, biller, connector, input);
  if ('failure' in prepared) return prepared;
  const verdict = checkAmount(prepared.context, input.amount.minor);
  if (!verdict.ok) return fail(BillpayError.AmountNotAllowed, verdict.detail);
  if (input.periods !== undefined && verdict.periods !== input.periods)
    return fail(BillpayError.AmountNotAllowed, `the amount pays ${verdict.periods ?? 0} whole periods, not ${input.periods}`);
  const now = deps.clock.now();
  const row: Database['billpay_payments'] = {
    id,
    merchant_id: merchantId,
    customer_id: input.customerId,
    biller_id: biller.id,
    bill_id: prepared.billId,
    account_number: prepared.accountNumber,
    currency: biller.currency,
    amount: input.amount.minor,
    payer_fee: biller.payerFeeFixedMinor,
    // The biller's commission, rounded down: never more than its rate (basis points).
    biller_fee: (input.amount.minor * BigInt(biller.billerFeeBps)) / 10_000n,
    periods: verdict.periods === null ? null : BigInt(verdict.periods),
    biller_bill_ref: prepared.billerBillRef,
    status: 'posting',
    biller_receipt: null,
    reason: null,
    attempts: 1n,
    next_check_at: new Date(now.getTime() + deps.settings.postingGraceMs).toISOString(),
    request_digest: requestDigest,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    funding: input.card === undefined ? 'wallet' : 'card',
    card_payment_id: null,
    card_refund: null,
  };
  if (input.card !== undefined) return payByCard(deps, connector, { ...row, status: 'charging' }, prepared.freshBill, input.card);
  const debited = await debit(deps, row, prepared.freshBill);
  if (isFailure(debited) || debited.replayed) return isFailure(debited) ? debited : toPayment(debited.row);
  return postAndRecord(deps, connector, toPayment(row), row.biller_bill_ref);
}

/** One unit: the payment row, the bill claimed, wallet → biller payable. A retry finds the row. */
async function debit(
  deps: BillpayDeps,
  row: Database['billpay_payments'],
  freshBill: Partial<Database['billpay_bills']> | null,
): Promise<Result<{ row: Database['billpay_payments']; replayed: boolean }>> {
  const wallet = accountIdFor(chart.customerWallet(row.customer_id, row.currency));
  const payableSpec = billerPayable(row.biller_id, row.currency);
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
        const claimed = await trx
          .updateTable('billpay_bills')
          .set({ ...freshBill, status: 'paying', updated_at: row.created_at })
          .where('id', '=', row.bill_id)
          .where('status', '=', 'available')
          .executeTakeFirst();
        if (claimed.numUpdatedRows !== 1n) return fail(BillpayError.BillAlreadyPaid, `bill ${row.bill_id} is already being paid`);
      }
      const total = row.amount + row.payer_fee;
      const entry = await deps.ledger.post(trx, {
        id: `${row.id}:debit`,
        reason: 'billpay.debit',
        link: { type: 'bill_payment', id: row.id },
        postings: [
          { accountId: wallet, currency: row.currency, amountMinor: total },
          { accountId: await deps.ledger.ensureAccount(trx, payableSpec), currency: row.currency, amountMinor: -total },
        ],
      });
      if (isFailure(entry)) {
        if (entry.failure === LedgerError.InsufficientFunds || entry.failure === LedgerError.AccountNotFound)
          return fail(BillpayError.InsufficientFunds, `the customer's wallet has less than ${total} ${row.currency} minor units available`);
        throw new Error(`bill payment ${row.id}: ${entry.detail}`);
      }
      return { row, replayed: false };
    },
    { keys: [wallet, accountIdFor(payableSpec), ...(row.bill_id === null ? [] : [row.bill_id])] },
  );
}
