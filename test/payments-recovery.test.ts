import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { isFailure } from '../src/core/failure.js';
import { newId } from '../src/core/ids.js';
import { verifyLedger } from '../src/ledger/index.js';
import { insertAttempt, moveStatus } from '../src/payments/store.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';

/**
 * A crash between sending an authorization and recording its answer: the issuer has charged the
 * card, Hutong knows only that it sent something. What a restart runs (the payment sweep) must
 * reverse it and reopen the payment — no lost hold, no double charge.
 */
describeEachStore('payments: recovery after a crash mid-authorization', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });

  for (const capture of [true, false]) {
    it(`reverses an unrecorded ${capture ? 'purchase' : 'authorization'} and reopens the payment`, async () => {
      const { writer, payments } = t.hutong.services;
      const m = await t.makeMerchant();
      const created = await t.request('POST', '/v1/payments', {
        key: m.key,
        body: { amount: 3_300, currency: 'USD', merchant_order_id: `crash-${capture}`, capture_method: capture ? 'automatic' : 'manual' },
      });
      const pan = testCardFor('visa', 'approved').pan;

      // What confirm does up to the wire, then the process "dies" before recording the answer.
      const { cards } = t.hutong.services;
      const token = await cards.tokenize(m.id, { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' });
      if (isFailure(token)) throw new Error(token.detail);
      const cardholder = await cards.cardholderData(m.id, token.card.id, token.securityCode);
      if (isFailure(cardholder)) throw new Error(cardholder.detail);
      const attemptId = newId('att');
      const sentAt = new Date(Math.floor(t.clock.now().getTime() / 1000) * 1000);
      await writer.run(async (trx) => {
        await moveStatus(trx, {
          id: created.body.id,
          from: 'requires_payment_method',
          to: 'processing',
          reason: 'confirmed',
          at: sentAt.toISOString(),
          set: { method_type: 'card', card_id: token.card.id, card_brand: 'visa', card_last4: '1004' },
        });
        await insertAttempt(trx, {
          id: attemptId,
          paymentId: created.body.id,
          kind: capture ? 'purchase' : 'authorize',
          channel: 'sandbox_acquirer',
          amountMinor: 3_300n,
          currency: 'USD',
          at: sentAt.toISOString(),
        });
      });
      const before = fixture.world.cardholder(pan);
      const outcome = await fixture.channels.connector('sandbox_acquirer')!.authorize({
        attemptId,
        card: cardholder,
        amount: { minor: 3_300n, currency: 'USD' },
        merchant: { id: m.id, name: 'Shop', country: 'CN', mcc: '5999' },
        capture,
        sentAt,
      });
      expect(outcome.status).toBe('approved');
      const charged = fixture.world.cardholder(pan)!;
      expect(charged.postedMinor + charged.pendingMinor - ((before?.postedMinor ?? 0n) + (before?.pendingMinor ?? 0n))).toBe(3_300n);

      // Restart: the sweep only touches attempts older than its grace period.
      expect((await payments.sweeper.runOnce()).reversed).toBe(0);
      t.clock.advance(31_000);
      expect((await payments.sweeper.runOnce()).reversed).toBe(1);

      const after = fixture.world.cardholder(pan)!;
      expect(after.postedMinor + after.pendingMinor).toBe((before?.postedMinor ?? 0n) + (before?.pendingMinor ?? 0n));
      const detail = await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key });
      expect(detail.body.status).toBe('requires_payment_method');
      expect(detail.body.attempts.map((a: { kind: string; status: string }) => `${a.kind}:${a.status}`)).toEqual([
        `${capture ? 'purchase' : 'authorize'}:reversed`,
        'reverse:approved',
      ]);
      // Nothing was posted for the unrecorded attempt, and the shopper can pay again.
      expect((await verifyLedger(t.hutong.services.store.reader)).ok).toBe(true);
      const again = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
        key: m.key,
        body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
      });
      expect(again.body.status).toBe(capture ? 'succeeded' : 'requires_capture');
      expect((await payments.sweeper.runOnce()).reversed).toBe(0);
    });
  }
  it('asks the acquirer again for a refund whose answer was lost, without refunding twice', async () => {
    const { writer, payments } = t.hutong.services;
    const m = await t.makeMerchant();
    const pan = testCardFor('mastercard', 'approved').pan;
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 5_000, currency: 'GBP', merchant_order_id: 'refund-lost' },
    });
    const paid = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.body.status).toBe('succeeded');
    const charged = fixture.world.cardholder(pan)!.postedMinor;
    // As if Hutong reserved a refund and died before the acquirer's answer was recorded.
    const refundId = newId('re');
    const at = t.clock.now().toISOString();
    await writer.run(async (trx) => {
      await trx.updateTable('payments').set({ amount_refunded: 2_000n }).where('id', '=', created.body.id).execute();
      await trx
        .insertInto('refunds')
        .values({
          id: refundId,
          merchant_id: m.id,
          payment_id: created.body.id,
          amount: 2_000n,
          currency: 'GBP',
          fee_returned: 0n,
          status: 'pending',
          reason: null,
          failure_code: null,
          request_digest: '-',
          created_at: at,
          updated_at: at,
        })
        .execute();
    });
    // The first try reached the acquirer (the card is credited) but its answer was lost.
    const approved = (await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key })).body.attempts[0];
    const { cards } = t.hutong.services;
    const cardholder = await cards.cardholderData(m.id, paid.body.payment_method.card.id);
    if (isFailure(cardholder)) throw new Error(cardholder.detail);
    const first = await fixture.channels.connector('sandbox_acquirer')!.refund({
      operationId: refundId,
      original: {
        attemptId: approved.id,
        reference: approved.reference,
        amount: { minor: 5_000n, currency: 'GBP' },
        card: cardholder,
        merchant: { id: m.id, name: 'Shop', country: 'CN', mcc: '5999' },
        sentAt: new Date(approved.sent_at),
        kind: 'purchase',
      },
      amount: { minor: 2_000n, currency: 'GBP' },
      sentAt: new Date(Math.floor(new Date(at).getTime() / 1000) * 1000),
    });
    expect(first.status).toBe('approved');
    expect(charged - fixture.world.cardholder(pan)!.postedMinor).toBe(2_000n);
    t.clock.advance(31_000);
    expect((await payments.sweeper.runOnce()).refundsResumed).toBe(1);
    expect((await t.request('GET', `/v1/refunds/${refundId}`, { key: m.key })).body.status).toBe('succeeded');
    expect(charged - fixture.world.cardholder(pan)!.postedMinor).toBe(2_000n);
    // A second sweep finds nothing; the card was credited once.
    expect((await payments.sweeper.runOnce()).refundsResumed).toBe(0);
    expect(charged - fixture.world.cardholder(pan)!.postedMinor).toBe(2_000n);
    expect((await verifyLedger(t.hutong.services.store.reader)).ok).toBe(true);
  });
});
