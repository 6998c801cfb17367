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
      const created = await t.request('POST', '/v1/payments', { key: m.key, body: { amount: 3_300, currency: 'USD', merchant_order_id: `crash-${capture}`, capture_method: capture ? 'automatic' : 'manual' } });
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
        await moveStatus(trx, { id: created.body.id, from: 'requires_payment_method', to: 'processing', reason: 'confirmed', at: sentAt.toISOString(), set: { method_type: 'card', card_id: token.card.id, card_brand: 'visa', card_last4: '1004' } });
        await insertAttempt(trx, { id: attemptId, paymentId: created.body.id, kind: capture ? 'purchase' : 'authorize', channel: 'sandbox_acquirer', amountMinor: 3_300n, currency: 'USD', at: sentAt.toISOString() });
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
      expect(detail.body.attempts.map((a: { kind: string; status: string }) => `${a.kind}:${a.status}`)).toEqual([`${capture ? 'purchase' : 'authorize'}:reversed`, 'reverse:approved']);
      // Nothing was posted for the unrecorded attempt, and the shopper can pay again.
      expect((await verifyLedger(t.hutong.services.store.reader)).ok).toBe(true);
      const again = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, { key: m.key, body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } } });
      expect(again.body.status).toBe(capture ? 'succeeded' : 'requires_capture');
      expect((await payments.sweeper.runOnce()).reversed).toBe(0);
    });
  }
});
