import { isFailure } from '../core/failure.js';
import { newId } from '../core/ids.js';
import type { Payment } from './model.js';
import { toPayment } from './model.js';
import type { Payments, PaymentsDeps } from './service.js';
import { insertAttempt, moveStatus, settleAttempt } from './store.js';
import { repeatEvery } from '../core/loop.js';

/**
 * The recovery sweep, run at start and then periodically: it resolves what a crash or a silent
 * acquirer left open, so no hold is ever lost and no payment stays `processing` for good.
 *
 * - An authorization or purchase still `pending` or `unknown` after `inFlightGraceMs` may have
 *   been approved by the issuer: it is reversed (ISO 8583 0400 names it by its own trace data),
 *   and the payment goes back to requires_payment_method.
 * - An unpaid payment past its expiry is canceled.
 * - A refund the channel never answered is asked again, as the same message.
 * - An outside-wallet order whose notification is late is queried at the wallet.
 */
export interface SweepSettings {
  readonly inFlightGraceMs: number;
  readonly sweepBatchMax: number;
  readonly intervalMs: number;
}

export const defaultSweepSettings: SweepSettings = { inFlightGraceMs: 30_000, sweepBatchMax: 100, intervalMs: 5_000 };

export function createPaymentSweeper(
  deps: PaymentsDeps,
  core: Payments,
  resumeRefunds: (olderThan: Date, batchMax: number) => Promise<number>,
  queryLateWallets: (olderThan: Date, batchMax: number) => Promise<number>,
  settings: SweepSettings = defaultSweepSettings,
) {
  const { store, writer, clock, vault, channels } = deps;
  const loop = repeatEvery(settings.intervalMs, runOnce, (error: unknown) => process.emitWarning(`payment sweep failed: ${String(error)}`));

  async function reverseInFlight(): Promise<number> {
    const before = new Date(clock.now().getTime() - settings.inFlightGraceMs).toISOString();
    const stale = await store.reader
      .selectFrom('payment_attempts')
      .innerJoin('payments', 'payments.id', 'payment_attempts.payment_id')
      .selectAll('payment_attempts')
      .select(['payments.merchant_id as merchant_id'])
      .where('payment_attempts.kind', 'in', ['authorize', 'purchase'])
      .where('payment_attempts.status', 'in', ['pending', 'unknown'])
      .where('payment_attempts.sent_at', '<', before)
      .where('payments.status', '=', 'processing')
      .limit(settings.sweepBatchMax)
      .execute();
    let resolved = 0;
    for (const attempt of stale) {
      const payment = await core.get(attempt.merchant_id, attempt.payment_id);
      if (isFailure(payment)) continue;
      if (await reverseOne(payment, attempt)) resolved++;
    }
    return resolved;
  }

  async function reverseOne(
    payment: Payment,
    attempt: { id: string; kind: string; channel: string; amount: bigint; currency: string; sent_at: string },
  ): Promise<boolean> {
    const connector = channels.connector(attempt.channel);
    const card = await vault.cardholderData(payment.merchantId, payment.method?.cardId ?? '');
    if (connector === undefined || isFailure(card)) return false;
    const amount = { minor: attempt.amount, currency: attempt.currency };
    const reversalId = newId('att');
    await writer.run(
      (trx) =>
        insertAttempt(trx, {
          id: reversalId,
          paymentId: payment.id,
          kind: 'reverse',
          channel: connector.name,
          amountMinor: attempt.amount,
          currency: attempt.currency,
          originalAttemptId: attempt.id,
          at: clock.now().toISOString(),
        }),
      { keys: [payment.id] },
    );
    const outcome = await connector.reverse({
      operationId: reversalId,
      original: {
        attemptId: attempt.id,
        reference: '',
        amount,
        card: { pan: card.pan, expiryYymm: card.expiryYymm, brand: card.brand },
        merchant: await core.descriptorOf(payment.merchantId),
        sentAt: new Date(attempt.sent_at),
        kind: attempt.kind === 'purchase' ? 'purchase' : 'authorization',
      },
      amount,
    });
    const at = clock.now().toISOString();
    return writer.run(
      async (trx) => {
        await settleAttempt(trx, {
          id: reversalId,
          status: outcome.status === 'unknown' ? 'unknown' : 'approved',
          reason: outcome.status === 'approved' ? null : outcome.reason,
          at,
        });
        if (outcome.status === 'unknown') return false;
        await settleAttempt(trx, { id: attempt.id, status: 'reversed', at });
        await moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'requires_payment_method',
          reason: 'unanswered authorization reversed',
          at,
          set: {
            last_error_code: 'channel_unavailable',
            last_error_message: 'the acquirer did not answer; the authorization was reversed',
          },
        });
        await core.emit(trx, await core.reload(trx, payment.id), 'payment.failed');
        return true;
      },
      { keys: [payment.id] },
    );
  }

  async function expireUnpaid(): Promise<number> {
    const due = await store.reader
      .selectFrom('payments')
      .selectAll()
      .where('status', '=', 'requires_payment_method')
      .where('expires_at', '<', clock.now().toISOString())
      .limit(settings.sweepBatchMax)
      .execute();
    let expired = 0;
    for (const row of due) {
      const payment = toPayment(row);
      const moved = await writer.run(
        async (trx) => {
          const ok = await moveStatus(trx, {
            id: payment.id,
            from: 'requires_payment_method',
            to: 'canceled',
            reason: 'expired',
            at: clock.now().toISOString(),
          });
          if (ok) await core.emit(trx, await core.reload(trx, payment.id), 'payment.canceled');
          return ok;
        },
        { keys: [payment.id] },
      );
      if (moved) expired++;
    }
    return expired;
  }

  async function runOnce(): Promise<{ reversed: number; expired: number; refundsResumed: number; walletsSettled: number }> {
    const olderThan = new Date(clock.now().getTime() - settings.inFlightGraceMs);
    return {
      reversed: await reverseInFlight(),
      expired: await expireUnpaid(),
      refundsResumed: await resumeRefunds(olderThan, settings.sweepBatchMax),
      walletsSettled: await queryLateWallets(olderThan, settings.sweepBatchMax),
    };
  }

  return {
    runOnce,
    start: loop.start,
    stop: loop.stop,
  };
}
