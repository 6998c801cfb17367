import { applyDiscrepancies, type Discrepancy, type StatementLine } from '../shared/discrepancies.js';
import type { WalletStore } from './model.js';
import type { WalletName } from './profiles.js';

/**
 * A wallet's bill (对账单) in its own format, built from the orders it was paid and the refunds it
 * made: `# <wallet> bill <date>`, a column line, `trade_no|out_trade_no|kind|amount_minor|currency|finished_at`
 * rows (out_trade_no is Hutong's order id), `# end <n> records`. Format in src/reconciliation/parsers.ts.
 */
export function walletBill(
  store: WalletStore,
  wallet: WalletName,
  options: { date: string; inject?: readonly Discrepancy[]; at?: Date },
): string {
  const lines: (StatementLine & { tradeNo: string })[] = [];
  for (const order of store.orders()) {
    if (order.status !== 'paid' && order.paidAt === undefined) continue;
    const at = order.paidAt ?? order.createdAt;
    if (at.toISOString().slice(0, 10) !== options.date) continue;
    lines.push({ tradeNo: order.walletOrderId, reference: order.orderId, amountMinor: order.amountMinor, currency: order.currency, at });
  }
  for (const refund of store.refunds()) {
    if (refund.outcome.status !== 'succeeded') continue;
    const order = store.order(refund.orderId);
    lines.push({
      tradeNo: refund.walletRefundId ?? refund.refundId,
      reference: refund.orderId,
      amountMinor: -refund.amountMinor,
      currency: refund.currency,
      at: order?.paidAt ?? options.at ?? new Date(),
    });
  }
  const reported = applyDiscrepancies(lines, options.inject ?? [], options.at ?? new Date());
  const rows = reported.map((l, i) => {
    const tradeNo = 'tradeNo' in l ? (l as { tradeNo: string }).tradeNo : `T${i}`;
    const kind = l.amountMinor < 0n ? 'REFUND' : 'PAY';
    const minor = l.amountMinor < 0n ? -l.amountMinor : l.amountMinor;
    return `${tradeNo}|${l.reference}|${kind}|${minor}|${l.currency}|${l.at.toISOString().replace('T', ' ').slice(0, 19)}`;
  });
  return (
    [
      `# ${wallet} bill ${options.date}`,
      'trade_no|out_trade_no|kind|amount_minor|currency|finished_at',
      ...rows,
      `# end ${rows.length} records`,
    ].join('\n') + '\n'
  );
}
