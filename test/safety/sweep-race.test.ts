import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import type { CardConnector } from '../../src/channels/index.js';
import type { ChannelsPort } from '../../src/payments/index.js';
import { useTestApp } from '../support/app.js';
import { cardWorldChannels, type CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';

/**
 * The recovery sweep racing a slow approval (found by the PostgreSQL failover test, issue 18 §3):
 * the issuer approves, the answer reaches Hutong only after the grace period, and meanwhile the sweep
 * has reversed the authorization at the issuer. Before the fix the confirm then recorded the approval
 * anyway: a `succeeded` payment, the merchant credited, the card not charged. The sweep now claims the
 * attempt before it sends the reversal, and a late approval over that claim is not recorded.
 */
describeEachStore('payments: the recovery sweep against a late approval', (dialect) => {
  const fixture = {} as CardWorldFixture;
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  let reachedGate: () => void = () => undefined;
  const slow = (connector: CardConnector): CardConnector =>
    Object.assign(Object.create(connector) as CardConnector, {
      authorize: async (request: Parameters<CardConnector['authorize']>[0]) => {
        const outcome = await connector.authorize(request);
        reachedGate();
        await gate;
        return outcome;
      },
    });
  const t = useTestApp(dialect, {
    channels: async () => {
      const base = await cardWorldChannels(fixture)();
      const wrapped: ChannelsPort & { close(): Promise<void> } = {
        route: (query) => base.route(query).map(slow),
        connector: (name) => base.connector(name),
        acceptsBrand: base.acceptsBrand,
        close: () => base.close(),
      };
      return wrapped;
    },
  });

  it('never leaves a succeeded payment whose authorization the sweep reversed', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('visa', 'approved').pan;
    const chargedBefore = fixture.world.cardholder(pan)?.postedMinor ?? 0n;
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 2_500, currency: 'USD', merchant_order_id: 'late-1' },
    });
    expect(created.status).toBe(201);

    gate = new Promise((resolve) => (open = resolve));
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    const confirming = t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    await atGate; // the issuer approved; the answer is held back
    expect((fixture.world.cardholder(pan)?.postedMinor ?? 0n) - chargedBefore).toBe(2_500n);

    t.clock.advance(31_000);
    const swept = await t.hutong.services.payments.sweeper.runOnce();
    expect(swept.reversed).toBe(1);
    open();
    const confirmed = await confirming;

    const payment = await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key });
    const charged = (fixture.world.cardholder(pan)?.postedMinor ?? 0n) - chargedBefore;
    // The invariant: what the issuer charged is what Hutong says it captured.
    expect(charged).toBe(payment.body.status === 'succeeded' ? 2_500n : 0n);
    expect(payment.body.status).toBe('requires_payment_method');
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(503);
    expect(confirmed.body.code).toBe('channel_unavailable');
    // Nor did the merchant get credited for it.
    const balance = await t.request('GET', '/v1/balance', { key: m.key });
    expect(JSON.stringify(balance.body)).not.toMatch(/"total":[1-9]/);
    const report = await verifyLedger(t.hutong.services.store.reader);
    expect(report.ok).toBe(true);

    // The shopper can pay again, and this time it goes through.
    gate = Promise.resolve();
    const again = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(again.body.status).toBe('succeeded');
    expect((fixture.world.cardholder(pan)?.postedMinor ?? 0n) - chargedBefore).toBe(2_500n);
  });
});
