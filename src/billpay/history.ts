import { fail, type Failure } from '../core/index.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { BillPayment } from './model.js';
import { toPayment } from './rows.js';

/** Bill history: a merchant's bill payments, newest first, optionally one customer's. */
export const historyLimitMax = 100;

export async function listPayments(
  deps: BillpayDeps,
  merchantId: string,
  filter: { customerId?: string; limit?: number },
): Promise<BillPayment[]> {
  let query = deps.store.reader.selectFrom('billpay_payments').selectAll().where('merchant_id', '=', merchantId);
  if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId);
  const limit = Math.min(Math.max(filter.limit ?? 20, 1), historyLimitMax);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toPayment);
}

export async function getPayment(
  deps: BillpayDeps,
  merchantId: string | undefined,
  id: string,
): Promise<BillPayment | Failure<BillpayError>> {
  let query = deps.store.reader.selectFrom('billpay_payments').selectAll().where('id', '=', id);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  const row = await query.executeTakeFirst();
  return row === undefined ? fail(BillpayError.PaymentNotFound, `no bill payment ${id}`) : toPayment(row);
}
