import { fail, isFailure, newId, type Failure } from '../core/index.js';
import { accountIdFor } from '../ledger/index.js';
import { PaymentError } from './errors.js';
import { feeFor } from './fees.js';
import { toPayment, type Payment, type PaymentCodeAnswer } from './model.js';
import { accountKeys, type Source } from './postings.js';
import type { Payments, PaymentsDeps } from './service.js';
import { insertAttempt, moveStatus, settleAttempt } from './store.js';

type PaymentFailure = Failure<string>;

/** A payment code is digits only; the prefix table says whose (docs/interop.md). */
const codePattern = /^[0-9]{14,24}$/;
const source: Source = { kind: 'channel', channel: 'switch' };

/**
 * A merchant's till scans the shopper's payment code (docs/interop.md, "Payment codes at Hutong's
 * tills"): Hutong claims the payment (processing, an attempt whose id is the switch's order
 * reference), asks the switch, then records the answer. `paid` captures at once; `user_paying`
 * (the wallet asks its user for a password) leaves the payment processing while Hutong polls the
 * switch; a shopper who never confirms, or an answer that never came, is reversed at the switch
 * after `confirmTimeoutMs` and the payment goes back to requires_payment_method: never charged
 * without being captured, never charged twice.
 */
export function createPaymentCodeFlows(deps: PaymentsDeps, core: Payments) {
  const { store, writer, clock } = deps;
  const now = () => clock.now().toISOString();

  async function confirm(payment: Payment, code: string): Promise<Payment | PaymentFailure> {
    const port = deps.paymentCodes;
    if (port === undefined) return fail(PaymentError.MethodInvalid, 'payment codes are not configured (no switch)');
    const institution = codePattern.test(code) ? port.institutionOf(code) : undefined;
    if (institution === undefined) return fail('payment_code_invalid', 'no participant of the switch issues payment codes like this one');
    const attemptId = newId('att');
    const claimed = await writer.run(
      async (trx) => {
        const ok = await moveStatus(trx, {
          id: payment.id,
          from: 'requires_payment_method',
          to: 'processing',
          reason: `payment code of ${institution} scanned`,
          at: now(),
          set: { method_type: 'payment_code', channel: 'switch', card_brand: institution, card_last4: code.slice(-4) },
        });
        if (ok)
          await insertAttempt(trx, {
            id: attemptId,
            paymentId: payment.id,
            kind: 'purchase',
            channel: 'switch',
            amountMinor: payment.amount.minor,
            currency: payment.amount.currency,
            at: now(),
          });
        return ok;
      },
      { keys: [payment.id] },
    );
    if (!claimed) return fail(PaymentError.StateInvalid, 'the payment is no longer waiting for a payment method');
    const answer = await port.charge({
      orderReference: attemptId,
      merchantId: payment.merchantId,
      paymentId: payment.id,
      paymentCode: code,
      institution,
      currency: payment.amount.currency,
      amountMinor: payment.amount.minor,
    });
    const settled = await settle(payment.id, attemptId, answer);
    if (settled.status === 'requires_payment_method' && settled.lastError !== null)
      return fail(settled.lastError.code, settled.lastError.message);
    return settled;
  }

  /** Records what the switch said about an attempt; each branch re-checks the attempt inside its unit (a poll may race the confirm). */
  async function settle(paymentId: string, attemptId: string, answer: PaymentCodeAnswer): Promise<Payment> {
    const payment = toPayment(await store.reader.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow());
    if (answer.status === 'paid') return capture(payment, attemptId, answer.switchReference);
    if (answer.status === 'declined')
      return giveBack(payment, attemptId, 'declined', 'payment_code_declined', `${answer.institution}: ${answer.reason}`);
    return writer.run(
      async (trx) => {
        await trx
          .updateTable('payment_attempts')
          .set({
            status: answer.status === 'user_paying' ? 'pending' : 'unknown',
            reason: answer.status === 'user_paying' ? 'user_confirming' : answer.reason,
            reference: answer.status === 'user_paying' ? answer.switchReference : null,
            updated_at: now(),
          })
          .where('id', '=', attemptId)
          .where('status', 'in', ['pending', 'unknown'])
          .execute();
        return core.reload(trx, paymentId);
      },
      { keys: [paymentId] },
    );
  }

  async function capture(payment: Payment, attemptId: string, switchReference: string): Promise<Payment> {
    const { currency } = payment.amount;
    const conversionKeys = await core.fxKeys(payment);
    const done = await writer.run(
      async (trx) => {
        const attempt = await trx.selectFrom('payment_attempts').select('status').where('id', '=', attemptId).executeTakeFirstOrThrow();
        const current = await core.reload(trx, payment.id);
        if (current.status !== 'processing' || !['pending', 'unknown'].includes(attempt.status)) return current;
        await settleAttempt(trx, { id: attemptId, status: 'approved', reason: null, reference: switchReference, at: now() });
        const destination = await core.destinationOf(trx, payment);
        const conversion = destination === 'escrow' ? undefined : await core.captureConversion(trx, payment, payment.amount.minor);
        const fee =
          destination === 'escrow'
            ? 0n
            : feeFor(await core.feePlanOf(trx, payment.merchantId), {
                method: 'wallet',
                brand: current.method?.brand ?? 'switch',
                amountMinor: conversion?.merchantMinor ?? payment.amount.minor,
                currency: conversion?.currency ?? currency,
              });
        const base = {
          entryId: attemptId,
          paymentId: payment.id,
          merchantId: payment.merchantId,
          source,
          currency,
          grossMinor: payment.amount.minor,
          feeMinor: fee,
        };
        const entry =
          conversion === undefined
            ? await core.paymentLedger.captureNow(trx, { ...base, destination })
            : await core.convertedLedger.captureNow(trx, { ...base, conversion });
        if (isFailure(entry)) throw new Error(`payment code capture ${attemptId}: ${entry.detail}`);
        await moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'succeeded',
          reason: `paid by payment code through the switch (${switchReference})`,
          at: now(),
          set: { amount_captured: payment.amount.minor, fee },
        });
        const paid = await core.reload(trx, payment.id);
        await core.emit(trx, paid, 'payment.succeeded');
        await core.afterCapture(trx, paid, destination);
        return paid;
      },
      { keys: [payment.id, ...accountKeys({ accountIdFor }, payment.merchantId, source, currency), ...conversionKeys] },
    );
    return done;
  }

  async function giveBack(
    payment: Payment,
    attemptId: string,
    attemptStatus: 'declined' | 'reversed',
    code: string,
    message: string,
  ): Promise<Payment> {
    return writer.run(
      async (trx) => {
        const attempt = await trx.selectFrom('payment_attempts').select('status').where('id', '=', attemptId).executeTakeFirstOrThrow();
        if (!['pending', 'unknown'].includes(attempt.status)) return core.reload(trx, payment.id);
        await settleAttempt(trx, { id: attemptId, status: attemptStatus, reason: message, at: now() });
        const moved = await moveStatus(trx, {
          id: payment.id,
          from: 'processing',
          to: 'requires_payment_method',
          reason: message,
          at: now(),
          set: { last_error_code: code, last_error_message: message },
        });
        const back = await core.reload(trx, payment.id);
        if (moved) await core.emit(trx, back, 'payment.failed');
        return back;
      },
      { keys: [payment.id] },
    );
  }

  /**
   * The poll (run by the payment sweep): every payment-code attempt still open is asked about at the
   * switch; paid captures, declined gives back, and one open longer than the confirm timeout
   * (the shopper never typed the password, or no answer ever came) is reversed, then given back.
   */
  async function poll(batchMax: number): Promise<number> {
    const port = deps.paymentCodes;
    if (port === undefined) return 0;
    const open = await store.reader
      .selectFrom('payment_attempts')
      .innerJoin('payments', 'payments.id', 'payment_attempts.payment_id')
      .select(['payment_attempts.id as id', 'payment_attempts.payment_id as payment_id', 'payment_attempts.sent_at as sent_at'])
      .where('payment_attempts.channel', '=', 'switch')
      .where('payment_attempts.kind', '=', 'purchase')
      .where('payment_attempts.status', 'in', ['pending', 'unknown'])
      .where('payments.status', '=', 'processing')
      .limit(batchMax)
      .execute();
    let resolved = 0;
    for (const attempt of open) {
      const answer = await port.query(attempt.id);
      const overdue = clock.now().getTime() - new Date(attempt.sent_at).getTime() > port.confirmTimeoutMs;
      if (answer.status === 'paid' || answer.status === 'declined') {
        await settle(attempt.payment_id, attempt.id, answer);
        resolved++;
      } else if (overdue && (await port.reverse(attempt.id)) === 'reversed') {
        const payment = toPayment(
          await store.reader.selectFrom('payments').selectAll().where('id', '=', attempt.payment_id).executeTakeFirstOrThrow(),
        );
        await giveBack(
          payment,
          attempt.id,
          'reversed',
          'payment_code_timeout',
          'the shopper did not confirm in time; the charge was reversed at the switch',
        );
        resolved++;
      }
    }
    return resolved;
  }

  return { confirm, poll };
}
