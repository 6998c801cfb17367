import { isFailure } from '../core/index.js';
import { newId } from '../core/index.js';
import type { Payment } from './model.js';
import { toPayment } from './model.js';
import type { Payments, PaymentsDeps } from './service.js';
import { insertAttempt, moveStatus, releaseClaim, settleAttempt } from './store.js';
import { repeatEvery } from '../core/index.js';

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

/** What the sweep did to repair something a crash or a silent counterparty left open. */
/** (Expiring an unpaid payment is the normal course, not a repair, and is not counted here.) */
export type RecoveryAction = 'authorization_reversed' | 'claim_released' | 'refund_resumed' | 'wallet_order_settled';

/** Told of every repair (logged at warn by app.ts, counted for /metrics). */
export type RecoveryLog = (action: RecoveryAction, detail: Record<string, unknown>) => void;

/** What is open past the grace period right now: the `hutong_recovery_stuck` gauge. */
export interface StuckCounts {
  readonly processing: number;
  readonly claimed: number;
  readonly refundsPending: number;
}

export function createPaymentSweeper(
  deps: PaymentsDeps,
  core: Payments,
  resumeRefunds: (olderThan: Date, batchMax: number) => Promise<number>,
  queryLateWallets: (olderThan: Date, batchMax: number) => Promise<number>,
  settings: SweepSettings = defaultSweepSettings,
  log: RecoveryLog = () => undefined,
) {
  const { store, writer, clock, vault, channels } = deps;
  const recovered: Record<RecoveryAction, number> = {
    authorization_reversed: 0,
    claim_released: 0,
    refund_resumed: 0,
    wallet_order_settled: 0,
  };
  const note = (action: RecoveryAction, count: number, detail: Record<string, unknown> = {}) => {
    if (count === 0) return;
    recovered[action] += count;
    log(action, { count, ...detail });
  };
  const loop = repeatEvery(settings.intervalMs, runOnce, (error: unknown) => process.emitWarning(`payment sweep failed: ${String(error)}`));

  async function reverseInFlight(): Promise<number> {
    const before = new Date(clock.now().getTime() - settings.inFlightGraceMs).toISOString();
    const stale = await store.reader
      .selectFrom('payment_attempts')
      .innerJoin('payments', 'payments.id', 'payment_attempts.payment_id')
      .selectAll('payment_attempts')
      .select(['payments.merchant_id as merchant_id'])
      .where('payment_attempts.kind', 'in', ['authorize', 'purchase'])
      .where('payment_attempts.channel', '!=', 'switch') // payment codes: polled and reversed at the switch (payment-codes.ts)
      .where('payment_attempts.status', 'in', ['pending', 'unknown'])
      .where('payment_attempts.sent_at', '<', before)
      .where('payments.status', '=', 'processing')
      .limit(settings.sweepBatchMax)
      .execute();
    let resolved = 0;
    for (const attempt of stale) {
      const payment = await core.get(attempt.merchant_id, attempt.payment_id);
      if (isFailure(payment)) continue;
      if (await reverseOne(payment, attempt)) {
        resolved++;
        note('authorization_reversed', 1, { payment: payment.id, attempt: attempt.id, sentAt: attempt.sent_at });
      }
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
    // Claim first: the original attempt moves to `reversing` only if it is still unanswered and the
    // payment still processing. A confirm whose approval arrives later finds the claim and does not
    // record it (settleApproved), so a reversed authorization never becomes a succeeded payment; an
    // approval recorded first makes this claim fail, and nothing is sent.
    const claimed = await writer.run(
      async (trx) => {
        const still = await trx.selectFrom('payments').select('status').where('id', '=', payment.id).executeTakeFirst();
        if (still?.status !== 'processing') return false;
        const at = clock.now().toISOString();
        if (!(await settleAttempt(trx, { id: attempt.id, status: 'reversing', at, from: ['pending', 'unknown'] }))) return false;
        await insertAttempt(trx, {
          id: reversalId,
          paymentId: payment.id,
          kind: 'reverse',
          channel: connector.name,
          amountMinor: attempt.amount,
          currency: attempt.currency,
          originalAttemptId: attempt.id,
          at,
        });
        return true;
      },
      { keys: [payment.id] },
    );
    if (!claimed) return false;
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
        // Unanswered: the authorization is unanswered again, and the next sweep sends another reversal.
        if (outcome.status === 'unknown') {
          await settleAttempt(trx, { id: attempt.id, status: 'unknown', at, from: ['reversing'] });
          return false;
        }
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

  /**
   * A capture or cancel claims an authorized payment before it talks to the acquirer
   * (payments/claims.ts). A claim older than the grace period belongs to a request whose process
   * died: its message is marked unknown (the acquirer may or may not have it) and the payment is
   * free again, so the merchant can capture or cancel it; a cancel's reversal settles either way.
   */
  async function releaseStaleClaims(): Promise<number> {
    const before = new Date(clock.now().getTime() - settings.inFlightGraceMs).toISOString();
    const stale = await store.reader
      .selectFrom('payments')
      .select(['id', 'claim_id', 'claimed_at'])
      .where('claim_id', 'is not', null)
      .where('claimed_at', '<', before)
      .limit(settings.sweepBatchMax)
      .execute();
    let released = 0;
    for (const row of stale) {
      const claimId = row.claim_id as string;
      const done = await writer.run(
        async (trx) => {
          if (!(await releaseClaim(trx, { id: row.id, claimId }))) return false;
          await trx
            .updateTable('payment_attempts')
            .set({ status: 'unknown', reason: 'the request that sent it did not finish', updated_at: clock.now().toISOString() })
            .where('id', '=', claimId)
            .where('status', '=', 'pending')
            .execute();
          return true;
        },
        { keys: [row.id] },
      );
      if (done) {
        released++;
        note('claim_released', 1, { payment: row.id, attempt: claimId, claimedAt: row.claimed_at });
      }
    }
    return released;
  }

  async function stuck(): Promise<StuckCounts> {
    const before = new Date(clock.now().getTime() - settings.inFlightGraceMs).toISOString();
    const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: unknown }> }) =>
      Number((await query.executeTakeFirstOrThrow()).n);
    return {
      processing: await count(
        store.reader
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', '=', 'processing')
          .where('updated_at', '<', before),
      ),
      claimed: await count(
        store.reader
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('claim_id', 'is not', null)
          .where('claimed_at', '<', before),
      ),
      refundsPending: await count(
        store.reader
          .selectFrom('refunds')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', '=', 'pending')
          .where('created_at', '<', before),
      ),
    };
  }

  async function runOnce(): Promise<{
    reversed: number;
    expired: number;
    refundsResumed: number;
    walletsSettled: number;
    claimsReleased: number;
  }> {
    const olderThan = new Date(clock.now().getTime() - settings.inFlightGraceMs);
    const reversed = await reverseInFlight();
    const claimsReleased = await releaseStaleClaims();
    const expired = await expireUnpaid();
    const refundsResumed = await resumeRefunds(olderThan, settings.sweepBatchMax);
    note('refund_resumed', refundsResumed);
    const walletsSettled = await queryLateWallets(olderThan, settings.sweepBatchMax);
    note('wallet_order_settled', walletsSettled);
    return { reversed, expired, refundsResumed, walletsSettled, claimsReleased };
  }

  return {
    runOnce,
    stuck,
    /** Repairs done since the process started, by action (the `hutong_recovery_actions_total` counter). */
    recovered: (): Readonly<Record<RecoveryAction, number>> => ({ ...recovered }),
    start: loop.start,
    stop: loop.stop,
  };
}
