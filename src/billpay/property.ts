import { fail, type Failure } from '../core/index.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { PropertyUnitView } from './model.js';

/**
 * The property company's view of its units, from what Hutong knows: each unit's months owed at
 * its latest fetched bill, less the months paid through Hutong since, and what was paid. Only
 * the biller's own settlement merchant sees it.
 */
export const propertyRowsMax = 10_000;

export async function propertyRoll(
  deps: BillpayDeps,
  merchantId: string,
  billerId: string,
): Promise<PropertyUnitView[] | Failure<BillpayError>> {
  const biller = await deps.store.reader
    .selectFrom('billpay_billers')
    .select(['merchant_id'])
    .where('id', '=', billerId)
    .executeTakeFirst();
  if (biller === undefined || biller.merchant_id !== merchantId) return fail(BillpayError.BillerNotFound, `no biller ${billerId} of yours`);
  const bills = await deps.store.reader
    .selectFrom('billpay_bills')
    .select(['account_number', 'periods', 'created_at'])
    .where('biller_id', '=', billerId)
    .where('periods', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(propertyRowsMax)
    .execute();
  const payments = await deps.store.reader
    .selectFrom('billpay_payments')
    .select(['account_number', 'amount', 'periods', 'biller_receipt', 'created_at'])
    .where('biller_id', '=', billerId)
    .where('status', '=', 'accepted')
    .orderBy('created_at')
    .limit(propertyRowsMax)
    .execute();
  const units = new Map<string, { periods: { period: string; amount: string }[]; at: string }>();
  for (const bill of bills)
    if (!units.has(bill.account_number))
      units.set(bill.account_number, { periods: JSON.parse(bill.periods as string), at: bill.created_at });
  const views: PropertyUnitView[] = [];
  for (const [unit, latest] of [...units.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const paid = payments.filter((p) => p.account_number === unit);
    const monthsPaidSince = paid.filter((p) => p.created_at >= latest.at).reduce((sum, p) => sum + Number(p.periods ?? 0n), 0);
    const owed = latest.periods.slice(monthsPaidSince);
    views.push({
      unit,
      owedMonths: owed.map((p) => p.period),
      owedMinor: owed.reduce((sum, p) => sum + BigInt(p.amount), 0n),
      paidThroughHutongMinor: paid.reduce((sum, p) => sum + p.amount, 0n),
      lastReceipt: paid.at(-1)?.biller_receipt ?? null,
    });
  }
  return views;
}

/** The roll as CSV, for the property company's own books. */
export function propertyCsv(views: readonly PropertyUnitView[]): string {
  const lines = ['unit,owed_months,owed_minor,paid_through_hutong_minor,last_receipt'];
  for (const v of views)
    lines.push(
      [v.unit, v.owedMonths.join(' '), v.owedMinor.toString(), v.paidThroughHutongMinor.toString(), v.lastReceipt ?? ''].join(','),
    );
  return `${lines.join('\n')}\n`;
}
