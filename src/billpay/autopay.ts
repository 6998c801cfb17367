import { derivedId, isFailure } from '../core/index.js';
import type { Database } from '../store/index.js';
import type { BillpayDeps } from './deps.js';
import { chinaDate, chinaMidnight, nextChinaMidnight } from './china-day.js';
import { BillpayError } from './errors.js';
import { fetchBill } from './fetch-bill.js';
import type { Bill } from './model.js';
import { payBill } from './pay-bill.js';
import { toAutopayRun } from './rows.js';

/**
 * Auto-pay: a durable timer per saved biller (src/events timers, one row per key, run by every
 * Hutong process, survives restarts). Each run fetches the account's bill:
 *  - nothing due → looks again at the start of the next day;
 *  - a bill due later → sleeps until its due date begins.
 *  Days are China's (Asia/Shanghai, UTC+8, src/billpay/china-day.ts): a bill due on the 1st is paid
 *  from 00:00+08:00 of the 1st (16:00 UTC of the day before), "tomorrow" starts at 00:00+08:00;
 *  - a bill due today or overdue → one run row per biller bill (its id derives from the saved biller and
 *    the biller's bill reference), then a bill payment under a key derived from that run: a crash at
 *    any point and the next run pays under the same key, so a bill is auto-paid exactly once;
 *  - a run a crash left `paying` is finished first, under its own key (its payment is found, not made again);
 *  - over the limit, or the payment refused (funds, card, biller) → the run fails with a notice
 *    (`bill_autopay.failed` webhook to the merchant), nothing charged twice; a biller that does not
 *    answer is tried again in an hour.
 */
export const autopayTimerKind = 'billpay.autopay';
export const autopayTimerKey = (savedId: string) => `billpay.autopay:${savedId}`;
const billerRetryMs = 3_600_000;

type Run = Database['billpay_autopay_runs'];
type Next = undefined | { readonly retryAt: Date };

export async function runAutopay(deps: BillpayDeps, savedId: string): Promise<Next> {
  const saved = await deps.store.reader.selectFrom('billpay_saved_billers').selectAll().where('id', '=', savedId).executeTakeFirst();
  if (saved === undefined || saved.status !== 'active' || saved.autopay_limit === null) return undefined;
  const now = deps.clock.now();
  const tomorrow = { retryAt: nextChinaMidnight(now) };
  // A run a crash left `paying` is finished first, under its own key: its payment is found, never made twice.
  const unfinished = await deps.store.reader
    .selectFrom('billpay_autopay_runs')
    .selectAll()
    .where('saved_id', '=', savedId)
    .where('status', '=', 'paying')
    .execute();
  for (const run of unfinished) {
    const next = await payRun(deps, saved, run, tomorrow);
    if (next !== tomorrow) return next;
  }
  const fetched = await fetchBill(deps, saved.merchant_id, {
    billerId: saved.biller_id,
    accountNumber: saved.account_number,
    customerId: saved.customer_id,
  });
  if (isFailure(fetched)) {
    if (fetched.failure === BillpayError.BillerUnavailable) return { retryAt: new Date(now.getTime() + billerRetryMs) };
    deps.log(`auto-pay ${savedId}: ${fetched.detail}`);
    return tomorrow;
  }
  if (!fetched.complete) return { retryAt: new Date(now.getTime() + billerRetryMs / 6) };
  const bill = fetched.bill;
  if (bill.status !== 'available' || bill.amountDueMinor === null) return tomorrow;
  const runId = derivedId('apr', savedId, bill.billerBillRef ?? `${bill.dueDate ?? ''}/${bill.amountDueMinor}`);
  let run = await deps.store.reader.selectFrom('billpay_autopay_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (run !== undefined && run.status !== 'paying') return tomorrow;
  const today = chinaDate(now);
  if (run === undefined && bill.dueDate !== null && bill.dueDate > today) return { retryAt: chinaMidnight(bill.dueDate) };
  run ??= await startRun(deps, saved, bill, runId);
  if (run.status !== 'paying') return tomorrow;
  return payRun(deps, saved, run, tomorrow);
}

/** The run row, `paying` (or `over_limit` with its notice), in one unit; a rival process's row wins. */
async function startRun(deps: BillpayDeps, saved: Database['billpay_saved_billers'], bill: Bill, id: string): Promise<Run> {
  const at = deps.clock.now().toISOString();
  const amount = bill.amountDueMinor as bigint;
  const limit = saved.autopay_limit as bigint;
  const row: Run = {
    id,
    saved_id: saved.id,
    merchant_id: saved.merchant_id,
    bill_id: bill.id,
    biller_bill_ref: bill.billerBillRef ?? `${bill.dueDate ?? ''}/${amount}`,
    due_date: bill.dueDate,
    amount,
    payment_id: null,
    status: amount > limit ? 'over_limit' : 'paying',
    reason: amount > limit ? `the bill of ${amount} is over the auto-pay limit of ${limit} (minor units)` : null,
    created_at: at,
    updated_at: at,
  };
  return deps.writer.run(
    async (trx) => {
      const inserted = await trx
        .insertInto('billpay_autopay_runs')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 1n)
        return trx.selectFrom('billpay_autopay_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      if (row.status === 'over_limit')
        await deps.events.recordRun(trx, { merchantId: row.merchant_id, type: 'bill_autopay.failed', run: toAutopayRun(row) });
      return row;
    },
    { keys: [id] },
  );
}

async function payRun(deps: BillpayDeps, saved: Database['billpay_saved_billers'], run: Run, tomorrow: Next): Promise<Next> {
  const payment = await payBill(deps, saved.merchant_id, {
    customerId: saved.customer_id,
    billerId: saved.biller_id,
    billId: run.bill_id ?? undefined,
    amount: { minor: run.amount as bigint, currency: (await currencyOfBiller(deps, saved.biller_id)) ?? 'CNY' },
    idempotencyKey: `autopay:${run.id}`,
    ...(saved.autopay_card_id === null ? {} : { card: { cardId: saved.autopay_card_id } }),
  });
  if (isFailure(payment) && payment.failure === BillpayError.BillerUnavailable)
    return { retryAt: new Date(deps.clock.now().getTime() + billerRetryMs) };
  const failed = isFailure(payment) || payment.status === 'refunded' || payment.status === 'failed';
  const reason = isFailure(payment) ? payment.detail : payment.status === 'refunded' || payment.status === 'failed' ? payment.reason : null;
  const at = deps.clock.now().toISOString();
  const changes = {
    status: failed ? 'failed' : 'paid',
    reason,
    payment_id: isFailure(payment) ? null : payment.id,
    updated_at: at,
  };
  await deps.writer.run(
    async (trx) => {
      const moved = await trx
        .updateTable('billpay_autopay_runs')
        .set(changes)
        .where('id', '=', run.id)
        .where('status', '=', 'paying')
        .executeTakeFirst();
      if (moved.numUpdatedRows === 1n && failed)
        await deps.events.recordRun(trx, {
          merchantId: run.merchant_id,
          type: 'bill_autopay.failed',
          run: toAutopayRun({ ...run, ...changes }),
        });
    },
    { keys: [run.id] },
  );
  return tomorrow;
}

async function currencyOfBiller(deps: BillpayDeps, billerId: string): Promise<string | undefined> {
  const row = await deps.store.reader.selectFrom('billpay_billers').select('currency').where('id', '=', billerId).executeTakeFirst();
  return row?.currency;
}
