import assert from 'node:assert/strict';
import type { OriginalReference } from '../channels/index.js';
import { fail, isFailure, type Failure } from '../core/index.js';
import { derivedId, digestOf, newId } from '../core/index.js';
import { accountIdFor } from '../ledger/index.js';
import { decodeCursor, pageLimit, pageQuery, toPage, type Page, type PageRequest } from '../store/index.js';
import { PaymentError } from './errors.js';
import { RiskError } from '../risk/index.js';
import { feeFor, feeReturned } from './fees.js';
import { toRefund, type Payment, type Refund } from './model.js';
import { accountKeys, type Source } from './postings.js';
import type { Payments, PaymentsDeps } from './service.js';
import { claimPayment, insertAttempt, moveRefund, moveStatus, releaseClaim, settleAttempt } from './store.js';

type PaymentFailure = Failure<string>;

/** Capture, cancel and refund: everything that follows an approved authorization. */
export function createFollowUps(deps: PaymentsDeps, core: Payments) {
  const { store, writer, clock, vault, channels, events } = deps;
  const now = () => clock.now().toISOString();

  function sourceOf(payment: Payment): Source {
    // The Hutong wallet pays from the customer's wallet account; cards and outside wallets from the channel's receivable.
    if (payment.method?.type === 'wallet') return { kind: 'wallet', customerId: payment.customerId as string };
    return { kind: 'channel', channel: payment.channel as string };
  }

  function keysOf(payment: Payment, conversionKeys: readonly string[] = []): string[] {
    return [
      payment.id,
      ...accountKeys({ accountIdFor }, payment.merchantId, sourceOf(payment), payment.amount.currency),
      ...conversionKeys,
    ];
  }

  /** The approved authorization or purchase a follow-up message must name. */
  async function originalOf(payment: Payment): Promise<OriginalReference | PaymentFailure> {
    const attempt = await store.reader
      .selectFrom('payment_attempts')
      .selectAll()
      .where('payment_id', '=', payment.id)
      .where('kind', 'in', ['authorize', 'purchase'])
      .where('status', '=', 'approved')
      .executeTakeFirst();
    if (attempt === undefined) return fail(PaymentError.StateInvalid, `payment ${payment.id} has no approved authorization`);
    const card = await vault.cardholderData(payment.merchantId, payment.method?.cardId as string);
    if (isFailure(card)) return card;
    return {
      attemptId: attempt.id,
      reference: attempt.reference ?? '',
      authorizationCode: attempt.authorization_code ?? undefined,
      amount: { minor: attempt.amount, currency: attempt.currency },
      card: { pan: card.pan, expiryYymm: card.expiryYymm, brand: card.brand },
      merchant: await core.descriptorOf(payment.merchantId),
      sentAt: new Date(attempt.sent_at),
      kind: attempt.kind === 'purchase' ? 'purchase' : 'authorization',
    };
  }

  function connectorOf(payment: Payment) {
    const connector = channels.connector(payment.channel as string);
    assert.ok(connector !== undefined, `channel ${payment.channel} is configured`);
    return connector;
  }

  /** The answer of a follow-up that did not get the claim: the payment moved on, or another one holds it. */
  async function lostClaim(merchantId: string, id: string, action: string): Promise<PaymentFailure> {
    const current = await core.get(merchantId, id);
    if (isFailure(current)) return current;
    return fail(
      PaymentError.StateInvalid,
      current.status === 'requires_capture'
        ? `cannot ${action} the payment: a capture or cancel of it is in progress`
        : `cannot ${action} a payment that is ${current.status}`,
    );
  }

  /**
   * Claims the payment (and records the acquirer message about to leave) in one unit; false when
   * another follow-up holds it or it is no longer authorized.
   */
  async function claimFollowUp(
    payment: Payment,
    claimId: string,
    message?: { kind: 'capture' | 'reverse'; channel: string; amountMinor: bigint; originalAttemptId: string },
  ): Promise<boolean> {
    return writer.run(
      async (trx) => {
        if (!(await claimPayment(trx, { id: payment.id, from: 'requires_capture', claimId, at: now() }))) return false;
        if (message !== undefined)
          await insertAttempt(trx, {
            id: claimId,
            paymentId: payment.id,
            kind: message.kind,
            channel: message.channel,
            amountMinor: message.amountMinor,
            currency: payment.amount.currency,
            originalAttemptId: message.originalAttemptId,
            at: now(),
          });
        return true;
      },
      { keys: [payment.id] },
    );
  }

  /** The acquirer did not do it: the attempt says why and the payment is free for the next request. */
  async function unclaim(
    payment: Payment,
    claimId: string,
    outcome: { status: 'declined' | 'unknown'; responseCode?: string; reason: string },
  ) {
    await writer.run(
      async (trx) => {
        await settleAttempt(trx, {
          id: claimId,
          status: outcome.status,
          responseCode: outcome.responseCode ?? null,
          reason: outcome.reason,
          at: now(),
        });
        await releaseClaim(trx, { id: payment.id, claimId });
      },
      { keys: [payment.id] },
    );
  }

  async function capture(merchantId: string, id: string, amountMinor?: bigint): Promise<Payment | PaymentFailure> {
    const payment = await core.get(merchantId, id);
    if (isFailure(payment)) return payment;
    if (payment.status !== 'requires_capture') return fail(PaymentError.StateInvalid, `cannot capture a payment that is ${payment.status}`);
    if (deps.fraud !== undefined && !(await deps.fraud.captureAllowed(store.reader, id)))
      return fail(RiskError.ReviewPending, 'the payment is held for a risk analyst; it is captured when the analyst releases it');
    const captured = amountMinor ?? payment.amount.minor;
    if (captured > payment.amount.minor)
      return fail(PaymentError.CaptureExceedsAuthorized, `cannot capture ${captured} of an authorization of ${payment.amount.minor}`);
    const claimId = newId('att');
    if (payment.method?.type === 'card') {
      const original = await originalOf(payment);
      if (isFailure(original)) return original;
      const connector = connectorOf(payment);
      const message = { kind: 'capture' as const, channel: connector.name, amountMinor: captured, originalAttemptId: original.attemptId };
      if (!(await claimFollowUp(payment, claimId, message))) return lostClaim(merchantId, id, 'capture');
      const outcome = await connector.capture({
        operationId: claimId,
        original,
        amount: { minor: captured, currency: payment.amount.currency },
      });
      if (outcome.status !== 'approved') {
        await unclaim(payment, claimId, outcome);
        return fail(
          outcome.status === 'declined' ? PaymentError.CardDeclined : PaymentError.ChannelUnavailable,
          `the acquirer did not accept the capture: ${outcome.reason}`,
        );
      }
    } else if (!(await claimFollowUp(payment, claimId))) return lostClaim(merchantId, id, 'capture');
    const conversionKeys = await core.fxKeys(payment);
    return writer.run(
      async (trx) => {
        if (!(await releaseClaim(trx, { id, claimId })))
          return fail(PaymentError.StateInvalid, 'the capture took too long and was given up; see the payment before trying again');
        if (payment.method?.type === 'card') await settleAttempt(trx, { id: claimId, status: 'approved', at: now() });
        const plan = await core.feePlanOf(trx, merchantId);
        const conversion = await core.captureConversion(trx, payment, captured);
        const fee = feeFor(plan, {
          method: payment.method?.type === 'card' ? 'card' : 'wallet',
          brand: payment.method?.brand ?? null,
          amountMinor: conversion?.merchantMinor ?? captured,
          currency: conversion?.currency ?? payment.amount.currency,
        });
        const moved = await moveStatus(trx, {
          id,
          from: 'requires_capture',
          to: 'succeeded',
          reason: `captured ${captured}`,
          at: now(),
          set: { amount_captured: captured, fee },
        });
        // The claim was ours, so nothing else moved the payment: a broken invariant, not a race.
        assert.ok(moved, `payment ${id} stayed requires_capture under its capture's claim`);
        const hold = {
          entryId: `${id}:capture`,
          holdId: payment.holdEntryId as string,
          paymentId: id,
          merchantId,
          source: sourceOf(payment),
          currency: payment.amount.currency,
          capturedMinor: captured,
          feeMinor: fee,
        };
        const entry =
          conversion === undefined
            ? await core.paymentLedger.captureHold(trx, hold)
            : await core.convertedLedger.captureHold(trx, { ...hold, conversion });
        if (isFailure(entry)) return entry;
        const settled = await core.reload(trx, id);
        await core.emit(trx, settled, 'payment.succeeded');
        return settled;
      },
      { keys: keysOf(payment, conversionKeys) },
    );
  }

  async function cancel(merchantId: string, id: string): Promise<Payment | PaymentFailure> {
    const payment = await core.get(merchantId, id);
    if (isFailure(payment)) return payment;
    if (payment.status === 'requires_payment_method' || payment.status === 'requires_action') {
      const from = payment.status;
      return writer.run(
        async (trx) => {
          if (!(await moveStatus(trx, { id, from, to: 'canceled', reason: 'canceled by the merchant', at: now() })))
            return fail(PaymentError.StateInvalid, 'the payment moved on meanwhile');
          const settled = await core.reload(trx, id);
          await core.emit(trx, settled, 'payment.canceled');
          return settled;
        },
        { keys: [id] },
      );
    }
    if (payment.status !== 'requires_capture') return fail(PaymentError.StateInvalid, `cannot cancel a payment that is ${payment.status}`);
    const claimId = newId('att');
    if (payment.method?.type === 'card') {
      const original = await originalOf(payment);
      if (isFailure(original)) return original;
      const connector = connectorOf(payment);
      const message = {
        kind: 'reverse' as const,
        channel: connector.name,
        amountMinor: payment.amount.minor,
        originalAttemptId: original.attemptId,
      };
      if (!(await claimFollowUp(payment, claimId, message))) return lostClaim(merchantId, id, 'cancel');
      const outcome = await connector.reverse({ operationId: claimId, original, amount: payment.amount });
      if (outcome.status !== 'approved') {
        await unclaim(payment, claimId, outcome);
        return fail(PaymentError.ChannelUnavailable, `the acquirer did not confirm the reversal: ${outcome.reason}`);
      }
    } else if (!(await claimFollowUp(payment, claimId))) return lostClaim(merchantId, id, 'cancel');
    return writer.run(
      async (trx) => {
        if (!(await releaseClaim(trx, { id, claimId })))
          return fail(PaymentError.StateInvalid, 'the cancel took too long and was given up; see the payment before trying again');
        if (payment.method?.type === 'card') await settleAttempt(trx, { id: claimId, status: 'approved', at: now() });
        const moved = await moveStatus(trx, { id, from: 'requires_capture', to: 'canceled', reason: 'authorization released', at: now() });
        assert.ok(moved, `payment ${id} stayed requires_capture under its cancel's claim`);
        const voided = await core.paymentLedger.voidHold(trx, { entryId: `${id}:void`, holdId: payment.holdEntryId as string });
        if (isFailure(voided)) return voided;
        const settled = await core.reload(trx, id);
        await core.emit(trx, settled, 'payment.canceled');
        return settled;
      },
      { keys: keysOf(payment) },
    );
  }

  /**
   * A refund first reserves its amount on the payment (amount_refunded grows under a condition, so
   * concurrent refunds can never exceed what was captured), then asks the channel, then posts the
   * ledger entry — or, if the channel refuses, gives the reservation back.
   */
  async function refund(
    merchantId: string,
    input: { paymentId: string; amountMinor?: bigint; reason?: string },
    idempotencyKey?: string,
    options: { fromEscrow?: boolean } = {},
  ): Promise<Refund | PaymentFailure> {
    const payment = await core.get(merchantId, input.paymentId);
    if (isFailure(payment)) return payment;
    if (payment.status !== 'succeeded') return fail(PaymentError.StateInvalid, `cannot refund a payment that is ${payment.status}`);
    // Money in escrow leaves only by the trade's own steps (src/escrow), never by a direct refund.
    if (options.fromEscrow !== true && (await core.destinationOf(store.reader, payment)) === 'escrow')
      return fail('escrow_funds_held', `payment ${payment.id} pays an escrow trade that still holds its money; refund through the trade`);
    const amountMinor = input.amountMinor ?? payment.amountCapturedMinor - payment.amountRefundedMinor;
    if (amountMinor <= 0n) return fail(PaymentError.RefundExceedsCaptured, 'nothing is left to refund');
    const at = clock.now();
    const id = idempotencyKey === undefined ? newId('re', at.getTime()) : derivedId('re', `${merchantId}/refunds`, idempotencyKey);
    const digest = digestOf({ paymentId: input.paymentId, amountMinor: amountMinor.toString(), reason: input.reason ?? null });
    // Customs: a declared payment's refund withdraws or changes the declaration in this same unit, or waits.
    const customs = deps.customs === undefined ? undefined : await deps.customs.prepare(payment, amountMinor);
    if (customs !== undefined && isFailure(customs)) {
      const replay = await store.reader.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
      if (replay === undefined || replay.request_digest !== digest) return customs;
    }
    const reserved = await writer.run(
      async (trx) => {
        const existing = await trx.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
        if (existing !== undefined)
          return existing.request_digest === digest
            ? toRefund(existing)
            : fail(PaymentError.IdempotencyConflict, 'this Idempotency-Key created a different refund');
        const taken = await trx
          .updateTable('payments')
          .set((eb) => ({ amount_refunded: eb('amount_refunded', '+', amountMinor), updated_at: at.toISOString() }))
          .where('id', '=', payment.id)
          .where((eb) => eb(eb('amount_captured', '-', eb.ref('amount_refunded')), '>=', amountMinor))
          .executeTakeFirst();
        if (taken.numUpdatedRows !== 1n)
          return fail(PaymentError.RefundExceedsCaptured, `cannot refund ${amountMinor}: more than is left of the captured amount`);
        const row = {
          id,
          merchant_id: merchantId,
          payment_id: payment.id,
          amount: amountMinor,
          currency: payment.amount.currency,
          fee_returned: 0n,
          status: 'pending',
          reason: input.reason ?? null,
          failure_code: null,
          request_digest: digest,
          created_at: at.toISOString(),
          updated_at: at.toISOString(),
        };
        await trx.insertInto('refunds').values(row).execute();
        if (customs !== undefined && !isFailure(customs)) {
          const held = await deps.customs?.reserved(trx, customs.plan, id);
          if (held !== undefined) return held;
        }
        return toRefund(row);
      },
      { keys: customs === undefined || isFailure(customs) ? [payment.id] : [payment.id, ...customs.keys] },
    );
    if (isFailure(reserved) || reserved.status !== 'pending') return reserved;
    return completeRefund(payment, reserved);
  }

  async function completeRefund(payment: Payment, pending: Refund): Promise<Refund | PaymentFailure> {
    // The acquirer's RRN of the refund, kept for reconciliation of its settlement file.
    let channelReference: string | null = null;
    if (payment.method?.type === 'card') {
      const original = await originalOf(payment);
      if (isFailure(original)) return original;
      const connector = connectorOf(payment);
      // The refund's own creation time is its transmission time: a resend is the same message.
      const sentAt = new Date(Math.floor(new Date(pending.createdAt).getTime() / 1000) * 1000);
      const outcome = await connector.refund({ operationId: pending.id, original, amount: pending.amount, sentAt });
      if (outcome.status === 'unknown') return pending; // stays pending; the sweep asks again with the same id
      if (outcome.status === 'declined')
        return failRefund(payment, pending, `${outcome.responseCode} ${outcome.reason}`, {
          channel: payment.channel as string,
          reason: outcome.reason,
          responseCode: outcome.responseCode,
        });
      channelReference = outcome.reference;
    }
    if (payment.method?.type === 'external_wallet') {
      const wallet = deps.wallets?.wallet(payment.channel as string);
      const order = await store.reader
        .selectFrom('payment_attempts')
        .select('id')
        .where('payment_id', '=', payment.id)
        .where('kind', '=', 'purchase')
        .where('status', '=', 'approved')
        .executeTakeFirst();
      if (wallet === undefined || order === undefined)
        return fail(PaymentError.StateInvalid, `payment ${payment.id} has no paid wallet order`);
      // The refund id is the wallet's idempotency key: asking again never refunds twice.
      const outcome = await wallet.refund({ orderId: order.id, refundId: pending.id, amount: pending.amount });
      if (outcome.status === 'unknown') return pending;
      if (outcome.status === 'failed')
        return failRefund(payment, pending, outcome.reason, { channel: payment.channel as string, reason: outcome.reason });
      channelReference = outcome.walletRefundId ?? null;
    }
    if (payment.method?.type === 'payment_code') {
      const codes = deps.paymentCodes;
      const charge = await store.reader
        .selectFrom('payment_attempts')
        .select('id')
        .where('payment_id', '=', payment.id)
        .where('status', '=', 'approved')
        .executeTakeFirst();
      if (codes === undefined || charge === undefined)
        return fail(PaymentError.StateInvalid, `payment ${payment.id} has no paid payment-code charge`);
      // Back through the switch to the shopper's institution; the refund id is its idempotency key.
      const outcome = await codes.refund({
        orderReference: charge.id,
        refundId: pending.id,
        currency: pending.amount.currency,
        amountMinor: pending.amount.minor,
      });
      if (outcome.status === 'unknown') return pending;
      if (outcome.status === 'failed') return failRefund(payment, pending, outcome.reason ?? 'refused by the switch');
    }
    const conversionKeys = [
      ...(await core.fxKeys(payment)),
      ...(payment.metadata.escrow === undefined ? [] : ((await deps.escrow?.refundKeys(payment)) ?? [])),
    ];
    return writer.run(
      async (trx) => {
        const destination = await core.destinationOf(trx, payment);
        const plan = await core.feePlanOf(trx, payment.merchantId);
        const returned = await trx
          .selectFrom('refunds')
          .select((eb) => [
            eb.fn.coalesce(eb.fn.sum<bigint>('fee_returned'), eb.val(0n)).as('sum'),
            eb.fn.coalesce(eb.fn.sum<bigint>('amount'), eb.val(0n)).as('amount'),
          ])
          .where('payment_id', '=', payment.id)
          .where('status', '=', 'succeeded')
          .executeTakeFirstOrThrow();
        const feeBack =
          destination === 'escrow'
            ? 0n
            : feeReturned(plan.refundFeePolicy, {
                feeMinor: payment.feeMinor,
                capturedMinor: payment.amountCapturedMinor,
                refundMinor: pending.amount.minor,
                refundedBeforeMinor: payment.amountRefundedMinor,
                alreadyReturnedMinor: BigInt(returned.sum),
              });
        const moved = await moveRefund(trx, {
          id: pending.id,
          from: 'pending',
          to: 'succeeded',
          set: { fee_returned: feeBack, channel_reference: channelReference },
          at: now(),
        });
        if (!moved) return toRefund(await trx.selectFrom('refunds').selectAll().where('id', '=', pending.id).executeTakeFirstOrThrow());
        await recordRefundAttempt(trx, payment, pending, { status: 'approved', reference: channelReference });
        // A trade escrow released converted takes its refunds back in the merchant's settlement currency.
        const conversion =
          destination === 'escrow'
            ? undefined
            : ((await deps.fx?.onRefund(trx, payment, pending.amount.minor)) ??
              (payment.metadata.escrow === undefined
                ? undefined
                : await deps.escrow?.releasedConversion(trx, payment, {
                    refundMinor: pending.amount.minor,
                    refundedBeforeMinor: BigInt(returned.amount),
                  })));
        const back = {
          entryId: pending.id,
          paymentId: payment.id,
          merchantId: payment.merchantId,
          source: sourceOf(payment),
          currency: payment.amount.currency,
          refundMinor: pending.amount.minor,
          feeReturnedMinor: feeBack,
        };
        const entry =
          conversion === undefined
            ? await core.paymentLedger.refund(trx, { ...back, destination })
            : await core.convertedLedger.refund(trx, { ...back, conversion });
        if (isFailure(entry)) return entry;
        // A balance payment's refund gives its real-name limits back (src/risk).
        if (payment.method?.type === 'wallet' && payment.customerId !== null)
          await deps.risk?.release(trx, { customerId: payment.customerId, ref: payment.id, amountMinor: pending.amount.minor });
        const done = toRefund(await trx.selectFrom('refunds').selectAll().where('id', '=', pending.id).executeTakeFirstOrThrow());
        await events?.record(trx, {
          merchantId: payment.merchantId,
          type: 'refund.succeeded',
          objectType: 'refund',
          objectId: done.id,
          data: done,
        });
        if (destination === 'escrow') await deps.escrow?.refunded(trx, await core.reload(trx, payment.id), done);
        return done;
      },
      {
        keys: [
          ...keysOf(payment, conversionKeys),
          ...(payment.method?.type === 'wallet' && payment.customerId !== null ? (deps.risk?.keysOf(payment.customerId) ?? []) : []),
        ],
      },
    );
  }

  /**
   * The refund message as one of the payment's attempts (kind `refund`), written once in the unit
   * that settles the refund (its id is derived from the refund's: a retry that lost the move writes
   * nothing): what was sent, to which channel, what came back and the channel's reference.
   */
  async function recordRefundAttempt(
    trx: Parameters<typeof insertAttempt>[0],
    payment: Payment,
    refund: Refund,
    answer: { status: 'approved' | 'declined'; reference?: string | null; reason?: string | null; responseCode?: string | null },
  ): Promise<void> {
    const id = `att_${refund.id}`;
    await insertAttempt(trx, {
      id,
      paymentId: payment.id,
      kind: 'refund',
      channel: payment.channel ?? 'unknown',
      amountMinor: refund.amount.minor,
      currency: refund.amount.currency,
      at: refund.createdAt,
    });
    await settleAttempt(trx, {
      id,
      status: answer.status,
      reference: answer.reference ?? null,
      reason: answer.reason ?? null,
      responseCode: answer.responseCode ?? null,
      at: now(),
    });
  }

  async function failRefund(
    payment: Payment,
    pending: Refund,
    why: string,
    answer?: { channel: string; reason: string; responseCode?: string },
  ): Promise<Refund> {
    return writer.run(
      async (trx) => {
        // Another completion of this refund (a retry, the sweep) settled it first: its reservation
        // was given back (or spent) then, and must not be given back a second time.
        if (!(await moveRefund(trx, { id: pending.id, from: 'pending', to: 'failed', set: { failure_code: why }, at: now() })))
          return toRefund(await trx.selectFrom('refunds').selectAll().where('id', '=', pending.id).executeTakeFirstOrThrow());
        if (answer !== undefined)
          await recordRefundAttempt(trx, payment, pending, {
            status: 'declined',
            reason: answer.reason,
            responseCode: answer.responseCode ?? null,
          });
        await trx
          .updateTable('payments')
          .set((eb) => ({ amount_refunded: eb('amount_refunded', '-', pending.amount.minor), updated_at: now() }))
          .where('id', '=', payment.id)
          .execute();
        const failed = toRefund(await trx.selectFrom('refunds').selectAll().where('id', '=', pending.id).executeTakeFirstOrThrow());
        await events?.record(trx, {
          merchantId: payment.merchantId,
          type: 'refund.failed',
          objectType: 'refund',
          objectId: failed.id,
          data: failed,
        });
        return failed;
      },
      { keys: [payment.id] },
    );
  }

  async function getRefund(merchantId: string, id: string): Promise<Refund | PaymentFailure> {
    const row = await store.reader
      .selectFrom('refunds')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row === undefined ? fail(PaymentError.RefundNotFound, `no refund ${id}`) : toRefund(row);
  }

  async function listRefunds(
    merchantId: string,
    request: PageRequest & { paymentId?: string },
  ): Promise<Page<Refund> | Failure<'cursor_invalid'>> {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && after === undefined) return fail('cursor_invalid', 'the cursor was not issued by this API');
    const limit = pageLimit(request);
    let query = store.reader.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId);
    if (request.paymentId !== undefined) query = query.where('payment_id', '=', request.paymentId);
    return toPage(await pageQuery(query, after, limit).execute(), limit, toRefund);
  }

  /**
   * Refunds whose channel answer never came stay pending; this asks again with the same operation
   * id and transmission time, which the acquirer treats as the same message (answered, not paid
   * twice). Bounded per sweep.
   */
  async function resumePendingRefunds(olderThan: Date, batchMax: number): Promise<number> {
    const rows = await store.reader
      .selectFrom('refunds')
      .selectAll()
      .where('status', '=', 'pending')
      .where('created_at', '<', olderThan.toISOString())
      .limit(batchMax)
      .execute();
    let done = 0;
    for (const row of rows) {
      const payment = await core.get(row.merchant_id, row.payment_id);
      if (isFailure(payment)) continue;
      const result = await completeRefund(payment, toRefund(row));
      if (!isFailure(result) && result.status !== 'pending') done++;
    }
    return done;
  }

  return { capture, cancel, refund, getRefund, listRefunds, resumePendingRefunds };
}
