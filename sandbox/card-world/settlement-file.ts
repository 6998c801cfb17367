import { formatDecimal, amount } from '../../src/money/index.js';
import { applyDiscrepancies, type Discrepancy, type StatementLine } from '../shared/discrepancies.js';
import { currencyByNumeric } from './fx.js';

/**
 * The acquirer's daily settlement file, built from what the host actually approved (its journal):
 * one line per approved purchase (0200, processing code 00…), completion advice (0220) and refund
 * (0200, processing code 20…), by RRN (DE 37), then a `TRAILER,<count>` line. Format in
 * src/reconciliation/parsers.ts.
 */
export interface JournalEntry {
  readonly at: Date;
  readonly mti: string;
  readonly processingCode: string;
  readonly rrn: string;
  readonly amountMinor: bigint;
  readonly currencyNumeric: string;
}

export function settlementCsv(
  journal: readonly JournalEntry[],
  options: { date?: string; skip?: number; inject?: readonly Discrepancy[]; at?: Date } = {},
): string {
  const lines: StatementLine[] = [];
  for (const j of journal.slice(options.skip ?? 0)) {
    const day = j.at.toISOString().slice(0, 10);
    if (options.date !== undefined && day !== options.date) continue;
    const currency = currencyByNumeric(j.currencyNumeric)?.code;
    if (currency === undefined) continue;
    const refund = j.processingCode.startsWith('20');
    lines.push({ reference: j.rrn, amountMinor: refund ? -j.amountMinor : j.amountMinor, currency, at: j.at });
  }
  const reported = applyDiscrepancies(lines, options.inject ?? [], options.at ?? new Date());
  const rows = reported.map((l) => {
    const type = l.amountMinor < 0n ? 'refund' : 'purchase';
    const magnitude = l.amountMinor < 0n ? -l.amountMinor : l.amountMinor;
    return `${l.at.toISOString().slice(0, 10)},${l.reference},${type},${formatDecimal(amount(magnitude, l.currency))},${l.currency}`;
  });
  return ['settlement_date,rrn,type,amount,currency', ...rows, `TRAILER,${rows.length}`].join('\n') + '\n';
}
