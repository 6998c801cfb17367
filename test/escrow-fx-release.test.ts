import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isFailure } from '../src/core/failure.js';
import { escrowKit } from './support/escrow.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';
import { freshVisa } from './safety/world.js';

/**
 * Escrow trades in a currency other than the merchant's settlement currency convert at release
 * (issue 12). Before, a USD trade of a CNY merchant released USD to the merchant's USD pending
 * balance, which it has no payout account for. Now the release converts at the rate of that moment
 * (mid less the merchant's markup): the merchant is credited CNY, the FX margin goes to FX revenue,
 * the fee is taken on the converted amount; without a rate, it releases the trade's own currency.
 */
describeEachStore('escrow: conversion at release', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  const kit = escrowKit(t);

  async function paidUsdTrade(key: string) {
    const e = await kit.create(key, { amount: 10_000, currency: 'USD' });
    const paid = await t.request('POST', `/v1/payments/${e.payment}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: freshVisa(), exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    expect((await kit.seller(key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF1' })).status).toBe(200);
    return e;
  }

  it('credits the merchant in its settlement currency at the rate of the release', async () => {
    const m = await t.makeMerchant('CNY Seller');
    const e = await paidUsdTrade(m.key);
    // The rate moves between payment and release: the release's rate counts.
    expect(t.hutong.services.fx.loadCsv(`base,currency,rate,as_of\nUSD,CNY,7.10000,${t.clock.now().toISOString()}\n`)).toMatchObject({
      loaded: expect.any(Number),
    });
    const confirmed = await kit.buyer(e.buyer_token, e.id, 'confirm_receipt');
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.status).toBe('completed');

    // 100.00 USD at 7.1 less 50 bps markup = 706.45 CNY; the mid 710.00; margin 3.55.
    const payment = (await t.request('GET', `/v1/payments/${e.payment}`, { key: m.key })).body;
    const fee = BigInt(payment.fee ?? 0);
    expect(await pendingIn(m.id, 'CNY')).toBe(70_645n - fee);
    expect(await pendingIn(m.id, 'USD')).toBe(0n);
    const entries = await t.request('GET', `/v1/payments/${e.payment}/ledger_entries`, { key: m.key });
    expect(JSON.stringify(entries.body)).toContain('escrow.release');
    await kit.ledgerOk();
  });

  it('takes a refund after a converted release back from the merchant in its settlement currency, at the release rates', async () => {
    const m = await t.makeMerchant('Refunding CNY Seller');
    t.hutong.services.fx.loadCsv(`base,currency,rate,as_of\nUSD,CNY,7.00000,${t.clock.now().toISOString()}\n`);
    const e = await paidUsdTrade(m.key);
    expect((await kit.buyer(e.buyer_token, e.id, 'confirm_receipt')).body.status).toBe('completed');
    // 100.00 USD at 7 less 50 bps = 696.50 CNY to the merchant (mid 700.00).
    const fee = BigInt((await t.request('GET', `/v1/payments/${e.payment}`, { key: m.key })).body.fee);
    expect(await pendingIn(m.id, 'CNY')).toBe(69_650n - fee);
    // The rate moves; the refund still takes back the share at the release's rates (FX position carries the move).
    t.hutong.services.fx.loadCsv(`base,currency,rate,as_of\nUSD,CNY,7.30000,${t.clock.now().toISOString()}\n`);
    const parts = [3_333, 3_333, 3_334];
    let returnedFee = 0n;
    for (const amount of parts) {
      const r = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: e.payment, amount } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.status, JSON.stringify(r.body)).toBe('succeeded');
      returnedFee += BigInt(r.body.fee_returned ?? 0);
    }
    // Nothing is ever taken from a USD balance the merchant never had.
    expect(await pendingIn(m.id, 'USD')).toBe(0n);
    // The three shares add up to exactly what the release credited: the merchant is back to nothing but the fee it keeps.
    expect(await pendingIn(m.id, 'CNY')).toBe(-(fee - returnedFee));
    await kit.ledgerOk();
  });

  it('releases the trade currency when there is no rate', async () => {
    const m = await t.makeMerchant('No-rate Seller');
    const e = await kit.create(m.key, { amount: 5_000, currency: 'SGD' });
    const paid = await t.request('POST', `/v1/payments/${e.payment}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: freshVisa(), exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    expect((await kit.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF2' })).status).toBe(200);
    const confirmed = await kit.buyer(e.buyer_token, e.id, 'confirm_receipt');
    expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('completed');
    const fee = BigInt((await t.request('GET', `/v1/payments/${e.payment}`, { key: m.key })).body.fee ?? 0);
    expect(await pendingIn(m.id, 'SGD')).toBe(5_000n - fee);
    expect(await pendingIn(m.id, 'CNY')).toBe(0n);
    await kit.ledgerOk();
  });

  it('converts what a split releases, and what the auto-confirm timer releases', async () => {
    const m = await t.makeMerchant('Split Seller');
    const rate = () => t.hutong.services.fx.loadCsv(`base,currency,rate,as_of\nUSD,CNY,7.00000,${t.clock.now().toISOString()}\n`);
    rate();
    const split = await paidUsdTrade(m.key);
    await kit.buyer(split.buyer_token, split.id, 'refund_request', { reason: 'not_received' });
    await kit.seller(m.key, split.id, 'refuse_refund', { reason: 'delivered' });
    const decided = await kit.operator(split.id, { decision: 'split', refund_amount: 4_000 });
    expect(decided.body, JSON.stringify(decided.body)).toMatchObject({
      status: 'completed',
      amount_refunded: 4_000,
      amount_released: 6_000,
    });
    // 60.00 USD at 7 less 50 bps = 417.90 CNY.
    const splitFee = BigInt((await t.request('GET', `/v1/payments/${split.payment}`, { key: m.key })).body.fee);
    expect(await pendingIn(m.id, 'CNY')).toBe(41_790n - splitFee);
    expect(await pendingIn(m.id, 'USD')).toBe(0n);

    const timed = await paidUsdTrade(m.key);
    t.clock.advance(40 * 86_400_000);
    rate(); // a fresh rate at the time the timer fires
    await t.hutong.timers.runDue();
    expect((await kit.get(m.key, timed.id)).body.status).toBe('completed');
    const timedFee = BigInt((await t.request('GET', `/v1/payments/${timed.payment}`, { key: m.key })).body.fee);
    // 100.00 USD at 7 less 50 bps = 696.50 CNY.
    expect(await pendingIn(m.id, 'CNY')).toBe(41_790n - splitFee + 69_650n - timedFee);
    expect(await pendingIn(m.id, 'USD')).toBe(0n);
    await kit.ledgerOk();
  });

  it('converts any amount at any rate into whole minor units: the merchant at most the mid, the margin what is between', async () => {
    const m = await t.makeMerchant('Property Seller');
    const { fx } = t.hutong.services;
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 10_000_000_000n }),
        fc.integer({ min: 1, max: 99_999_999 }),
        fc.constantFrom('CNY', 'JPY', 'KWD'),
        async (minor, rateMillionths, to) => {
          const rate = (rateMillionths / 1_000_000).toFixed(6);
          expect(fx.loadCsv(`base,currency,rate,as_of\nUSD,${to},${rate},${t.clock.now().toISOString()}\n`)).not.toHaveProperty('failure');
          const c = await fx.convertNow(m.id, { minor, currency: 'USD' }, to);
          if (isFailure(c)) {
            // Only an amount too small to convert (or too large for the target) is refused.
            expect(['fx_amount_too_small', 'amount_too_large']).toContain(c.failure);
            return;
          }
          expect(c.currency).toBe(to);
          expect(c.merchantMinor).toBeGreaterThan(0n);
          expect(c.merchantMinor).toBeLessThanOrEqual(c.midMinor);
          // 50 bps markup: the margin is at most half a percent of the mid, plus rounding.
          expect((c.midMinor - c.merchantMinor) * 10_000n).toBeLessThanOrEqual(c.midMinor * 50n + 10_000n);
        },
      ),
      { numRuns: 60 },
    );
  });

  async function pendingIn(merchantId: string, currency: string): Promise<bigint> {
    const { ledger, store } = t.hutong.services;
    const account = (await ledger.listAccounts(store.reader, { ownerType: 'merchant', ownerId: merchantId })).find(
      (a) => a.code === 'pending' && a.currency === currency,
    );
    return account === undefined ? 0n : account.creditsPosted - account.debitsPosted;
  }
});
