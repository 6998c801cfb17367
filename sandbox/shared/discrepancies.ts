/**
 * The discrepancies a sandbox counterparty can put into its statement file on purpose, so that
 * Hutong's reconciliation meets each kind (docs/settlement.md): a line dropped (missing at the
 * channel), a line sent twice (duplicate), an amount off by one unit of 100 minor units (amount
 * mismatch), a line in another currency (currency mismatch), a line Hutong never booked (missing in
 * Hutong).
 */
export type Discrepancy = 'missing' | 'duplicate' | 'amount' | 'currency' | 'unknown';
export const discrepancies: readonly Discrepancy[] = ['missing', 'duplicate', 'amount', 'currency', 'unknown'];

export interface StatementLine {
  reference: string;
  /** Positive: the counterparty owes Hutong (a purchase); negative: Hutong owes it (a refund). */
  amountMinor: bigint;
  currency: string;
  at: Date;
}

/** Applies each discrepancy to the first line it can use, in order. */
export function applyDiscrepancies(lines: StatementLine[], kinds: readonly Discrepancy[], at: Date): StatementLine[] {
  let out = lines.map((l) => ({ ...l }));
  for (const kind of kinds) {
    const target = out[0];
    if (kind === 'unknown')
      out.push({ reference: `UNKNOWN${out.length + 1}`, amountMinor: 1234n, currency: target?.currency ?? 'CNY', at });
    else if (target === undefined) continue;
    else if (kind === 'missing') out = out.slice(1);
    else if (kind === 'duplicate') out.push({ ...target });
    else if (kind === 'amount') target.amountMinor += target.amountMinor >= 0n ? 100n : -100n;
    else if (kind === 'currency') target.currency = target.currency === 'EUR' ? 'USD' : 'EUR';
  }
  return out;
}
