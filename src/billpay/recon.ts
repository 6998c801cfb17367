import { fail, type Failure } from '../core/index.js';
import type { BillpayDeps } from './deps.js';
import { BillpayError } from './errors.js';
import { checkedBiller } from './fetch-bill.js';
import { recordOutcome } from './posting.js';

/**
 * Billers' end-of-day files are reconciled by src/reconciliation (kind `biller_eod`, issue 15);
 * this is what it asks of bill payment (its BillerBooksPort, bound in app.ts), and the file as the
 * biller serves it.
 */
export const billerFileHeader = 'reference,receipt_no,account,amount_minor,booked_at';
/** Payments one sweep of a day reads at most. */
export const reconPaymentsMax = 200_000;

type PaymentStatus = 'accepted' | 'waiting' | 'not_paid';
export interface BookedPayment {
  readonly reference: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly status: PaymentStatus;
}

const statusOf = (status: string): PaymentStatus =>
  status === 'accepted' ? 'accepted' : status === 'posting' || status === 'awaiting_biller' ? 'waiting' : 'not_paid';

/** The biller's end-of-day file for a UTC date, as CSV (its header, a booking a line). */
export async function billerFile(deps: BillpayDeps, billerId: string, date: string): Promise<string | Failure<BillpayError>> {
  const found = await checkedBiller(deps, billerId);
  if ('failure' in found) return found;
  const file = await found.connector.dailyFile(date);
  if (file.kind === 'unavailable') return fail(BillpayError.BillerUnavailable, `the biller's file for ${date}: ${file.detail}`);
  const rows = file.lines.map((l) => [l.reference, l.receipt, l.account, l.amountMinor.toString(), l.bookedAt].join(','));
  return `${[billerFileHeader, ...rows].join('\n')}\n`;
}

export function createBillerBooks(deps: BillpayDeps) {
  const reader = deps.store.reader;
  return {
    async billerCurrency(billerId: string): Promise<string | undefined> {
      const row = await reader.selectFrom('billpay_billers').select('currency').where('id', '=', billerId).executeTakeFirst();
      return row?.currency;
    },
    async payments(billerId: string, references: readonly string[]): Promise<Map<string, BookedPayment>> {
      const found = new Map<string, BookedPayment>();
      for (let i = 0; i < references.length; i += 500) {
        const rows = await reader
          .selectFrom('billpay_payments')
          .select(['id', 'amount', 'currency', 'status'])
          .where('biller_id', '=', billerId)
          .where('id', 'in', references.slice(i, i + 500))
          .execute();
        for (const r of rows) found.set(r.id, { reference: r.id, amountMinor: r.amount, currency: r.currency, status: statusOf(r.status) });
      }
      return found;
    },
    async acceptedBetween(billerId: string, from: string, until: string): Promise<BookedPayment[]> {
      const rows = await reader
        .selectFrom('billpay_payments')
        .select(['id', 'amount', 'currency', 'status'])
        .where('biller_id', '=', billerId)
        .where('created_at', '>=', from)
        .where('created_at', '<', until)
        .where('status', '=', 'accepted')
        .limit(reconPaymentsMax)
        .execute();
      return rows.map((r) => ({ reference: r.id, amountMinor: r.amount, currency: r.currency, status: 'accepted' as const }));
    },
    async confirm(reference: string, receipt: string, amountMinor: bigint): Promise<void> {
      await recordOutcome(deps, reference, { kind: 'accepted', receipt, amountMinor });
    },
    async recheck(billerId: string, reference: string): Promise<'booked' | 'reposted' | 'not_booked'> {
      const found = await checkedBiller(deps, billerId);
      if ('failure' in found) return 'not_booked';
      const row = await reader.selectFrom('billpay_payments').selectAll().where('id', '=', reference).executeTakeFirst();
      if (row === undefined) return 'not_booked';
      const asked = await found.connector.query(reference);
      if (asked.kind === 'accepted') return 'booked';
      if (asked.kind !== 'not_found') return 'not_booked';
      // Not booked there: posted again under Hutong's id (the biller books an id once).
      const again = await found.connector.post({
        reference,
        account: row.account_number,
        billerBillRef: row.biller_bill_ref,
        amountMinor: row.amount,
        periods: row.periods === null ? null : Number(row.periods),
      });
      return again.kind === 'accepted' ? 'reposted' : 'not_booked';
    },
  };
}

export type BillerBooks = ReturnType<typeof createBillerBooks>;
