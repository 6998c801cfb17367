import { fail, type Failure } from '../core/index.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import type { BillerDayReport, BillPaymentStatus } from './model.js';
import { getBiller } from './registry.js';

/**
 * A biller's day (issue 15: reports for billers and the operator): its bill payments created that
 * day (UTC) by status and by funding, with amounts, its commission and the payers' fees. The
 * operator sees any biller; a merchant only a biller it is the settlement account of.
 */
export async function billerDayReport(
  deps: BillpayDeps,
  viewer: string | undefined,
  billerId: string,
  date: string,
): Promise<BillerDayReport | Failure<BillpayError>> {
  const biller = await getBiller(deps, billerId);
  if (biller === undefined || (viewer !== undefined && biller.merchantId !== viewer))
    return fail(BillpayError.BillerNotFound, `no biller ${billerId}`);
  const from = `${date}T00:00:00.000Z`;
  const to = new Date(Date.parse(from) + 86_400_000).toISOString();
  const rows = await deps.store.reader
    .selectFrom('billpay_payments')
    .select((eb) => [
      'status',
      'funding',
      eb.fn.countAll<string>().as('n'),
      eb.fn.coalesce(eb.fn.sum<bigint>('amount'), eb.val(0n)).as('amount'),
      eb.fn.coalesce(eb.fn.sum<bigint>('biller_fee'), eb.val(0n)).as('commission'),
      eb.fn.coalesce(eb.fn.sum<bigint>('payer_fee'), eb.val(0n)).as('payer_fees'),
    ])
    .where('biller_id', '=', billerId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy(['status', 'funding'])
    .execute();
  const lines = rows.map((r) => ({
    status: r.status as BillPaymentStatus,
    funding: r.funding as 'wallet' | 'card',
    count: Number(r.n),
    amountMinor: BigInt(String(r.amount)),
    commissionMinor: r.status === 'accepted' ? BigInt(String(r.commission)) : 0n,
    payerFeesMinor: r.status === 'accepted' ? BigInt(String(r.payer_fees)) : 0n,
  }));
  const accepted = lines.filter((l) => l.status === 'accepted');
  const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
  return {
    billerId,
    date,
    currency: biller.currency,
    lines: lines.sort((a, b) => `${a.status}/${a.funding}`.localeCompare(`${b.status}/${b.funding}`)),
    acceptedCount: accepted.reduce((n, l) => n + l.count, 0),
    acceptedMinor: sum(accepted.map((l) => l.amountMinor)),
    netToBillerMinor: sum(accepted.map((l) => l.amountMinor - l.commissionMinor)),
  };
}
