import type { BillpayCardsPort, BillpayDeps } from './deps.js';
import type { BillPayment } from './model.js';

/** Card-funded bill payments the biller refused: the card gets its money back through the gateway. */
const refundKey = (paymentId: string) => `billpay:${paymentId}:refund`;

export function cardsOf(deps: BillpayDeps): BillpayCardsPort {
  if (deps.cards === undefined) throw new Error('bill payment: no card gateway is wired (BillpayDeps.cards)');
  return deps.cards;
}

/** The card gets its money back (the gateway refunds under a key derived from the bill payment); `done` once it has. */
export async function refundCard(deps: BillpayDeps, payment: BillPayment): Promise<BillPayment> {
  if (payment.cardRefund !== 'due' || payment.cardPaymentId === null) return payment;
  const done = await cardsOf(deps).refund(payment.merchantId, payment.cardPaymentId, refundKey(payment.id));
  if (!done) return payment;
  const at = deps.clock.now().toISOString();
  await deps.writer.run(
    (trx) =>
      trx
        .updateTable('billpay_payments')
        .set({ card_refund: 'done', updated_at: at })
        .where('id', '=', payment.id)
        .where('card_refund', '=', 'due')
        .execute(),
    { keys: [payment.id] },
  );
  return { ...payment, cardRefund: 'done', updatedAt: at };
}
