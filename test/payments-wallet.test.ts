import fc from 'fast-check';
import { expect, it } from 'vitest';
import { verifyLedger } from '../src/ledger/index.js';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';

describeEachStore('payments from the Hutong wallet', (dialect) => {
  const t = useTestApp(dialect);
  let order = 0;

  async function setup(topUpMinor = 100_000) {
    const m = await t.makeMerchant();
    const c = await t.makeCustomer(m.key, 'buyer');
    await t.request('POST', `/v1/customers/${c}/top_ups`, { key: m.key, body: { amount: topUpMinor, currency: 'CNY' } });
    return { m, c };
  }

  const newPayment = (key: string, body: Record<string, unknown> = {}) =>
    t.request('POST', '/v1/payments', { key, body: { amount: 10_000, currency: 'CNY', merchant_order_id: `o-${++order}`, ...body } });

  it("pays at once with automatic capture: the merchant's pending balance grows net of the 0.6 % wallet fee", async () => {
    const { m, c } = await setup();
    const created = await newPayment(m.key, { description: 'tea set' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'requires_payment_method', amount: 10_000, capture_method: 'automatic' });
    const paid = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body).toMatchObject({
      status: 'succeeded',
      amount_captured: 10_000,
      fee: 60,
      payment_method: { type: 'wallet', card: null },
    });
    expect((await t.request('GET', `/v1/customers/${c}/balances`, { key: m.key })).body.data[0].available).toBe(90_000);
    const { ledger, store } = t.hutong.services;
    const pending = (await ledger.listAccounts(store.reader, { ownerType: 'merchant', ownerId: m.id })).find((a) => a.code === 'pending')!;
    expect(pending.creditsPosted - pending.debitsPosted).toBe(9_940n);
    const detail = await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key });
    expect(detail.body.timeline.map((s: { to: string }) => s.to)).toEqual(['requires_payment_method', 'processing', 'succeeded']);
  });

  it('holds with manual capture, captures part of it once, and releases the rest', async () => {
    const { m, c } = await setup();
    const created = await newPayment(m.key, { capture_method: 'manual' });
    const held = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    expect(held.body.status).toBe('requires_capture');
    expect((await t.request('GET', `/v1/customers/${c}/balances`, { key: m.key })).body.data[0]).toMatchObject({
      available: 90_000,
      pending: 10_000,
      posted: 100_000,
    });
    const over = await t.request('POST', `/v1/payments/${created.body.id}/capture`, { key: m.key, body: { amount: 10_001 } });
    expect([over.status, over.body.code]).toEqual([422, 'capture_exceeds_authorized']);
    const captured = await t.request('POST', `/v1/payments/${created.body.id}/capture`, { key: m.key, body: { amount: 6_000 } });
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_captured: 6_000, fee: 36 });
    expect((await t.request('GET', `/v1/customers/${c}/balances`, { key: m.key })).body.data[0]).toMatchObject({
      available: 94_000,
      pending: 0,
      posted: 94_000,
    });
    const again = await t.request('POST', `/v1/payments/${created.body.id}/capture`, { key: m.key, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'payment_state_invalid']);
  });

  it('cancels an authorization, returning the held money', async () => {
    const { m, c } = await setup();
    const created = await newPayment(m.key, { capture_method: 'manual' });
    await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    const canceled = await t.request('POST', `/v1/payments/${created.body.id}/cancel`, { key: m.key });
    expect(canceled.body.status).toBe('canceled');
    expect((await t.request('GET', `/v1/customers/${c}/balances`, { key: m.key })).body.data[0]).toMatchObject({
      available: 100_000,
      pending: 0,
    });
    const capture = await t.request('POST', `/v1/payments/${created.body.id}/capture`, { key: m.key });
    expect(capture.body.code).toBe('payment_state_invalid');
  });

  it('refunds in parts, returns the fee in proportion, and never refunds more than was captured', async () => {
    const { m, c } = await setup();
    const created = await newPayment(m.key);
    await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    const first = await t.request('POST', '/v1/refunds', {
      key: m.key,
      body: { payment: created.body.id, amount: 2_500, reason: 'one cup broken' },
    });
    expect(first.body).toMatchObject({ status: 'succeeded', amount: 2_500, fee_returned: 15 });
    const over = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id, amount: 7_501 } });
    expect([over.status, over.body.code]).toEqual([422, 'refund_exceeds_captured']);
    const rest = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id } });
    expect(rest.body).toMatchObject({ status: 'succeeded', amount: 7_500, fee_returned: 45 });
    expect((await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key })).body.amount_refunded).toBe(10_000);
    expect((await t.request('GET', `/v1/customers/${c}/balances`, { key: m.key })).body.data[0].available).toBe(100_000);
    const list = await t.request('GET', `/v1/refunds?payment=${created.body.id}`, { key: m.key });
    expect(list.body.data).toHaveLength(2);
    expect((await verifyLedger(t.hutong.services.store.reader)).ok).toBe(true);
  });

  it('refuses what the state or the wallet does not allow, and changes nothing', async () => {
    const { m, c } = await setup(5_000);
    const created = await newPayment(m.key);
    const poor = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    expect([poor.status, poor.body.code]).toEqual([422, 'insufficient_funds']);
    expect((await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key })).body.status).toBe('requires_payment_method');
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id } });
    expect(refund.body.code).toBe('payment_state_invalid');
    const dup = await newPayment(m.key, { merchant_order_id: created.body.merchant_order_id });
    expect([dup.status, dup.body.code]).toEqual([409, 'merchant_order_id_taken']);
    const other = await t.makeMerchant();
    expect((await t.request('GET', `/v1/payments/${created.body.id}`, { key: other.key })).body.code).toBe('payment_not_found');
    expect((await t.request('POST', `/v1/payments/${created.body.id}/cancel`, { key: other.key })).body.code).toBe('payment_not_found');
    const noCard = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: '4111111111111111', exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect([noCard.status, noCard.body.code]).toEqual([422, 'currency_not_supported_by_channel']);
    expect((await t.request('POST', `/v1/payments/${created.body.id}/cancel`, { key: m.key })).body.status).toBe('canceled');
  });

  it("uses the merchant's fee plan, set by the operator, with a fixed part in its currency only", async () => {
    const { m, c } = await setup();
    const plan = {
      rules: [{ method: 'wallet', brand: '*', percent_bps: 125, fixed_amount: 30, fixed_currency: 'CNY' }],
      refund_fee_policy: 'none',
    };
    expect((await t.request('POST', `/v1/merchants/${m.id}/fee_plan`, { key: t.operatorKey, body: plan })).status).toBe(200);
    expect((await t.request('POST', `/v1/merchants/${m.id}/fee_plan`, { key: m.key, body: plan })).body.code).toBe('forbidden');
    const bad = await t.request('POST', `/v1/merchants/${m.id}/fee_plan`, {
      key: t.operatorKey,
      body: { ...plan, rules: [{ method: 'wallet', brand: '*', percent_bps: 125, fixed_amount: 30 }] },
    });
    expect(bad.body.code).toBe('fee_plan_invalid');
    const p = await newPayment(m.key, { amount: 10_001 });
    const paid = await t.request('POST', `/v1/payments/${p.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    // 1.25 % of 10,001 = 125.0125 → 125 (half-up), plus the fixed 30.
    expect(paid.body.fee).toBe(155);
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: p.body.id } });
    expect(refund.body.fee_returned).toBe(0);
  });

  it('records payment and refund events with their API views, in order', async () => {
    const { m, c } = await setup();
    const p = await newPayment(m.key);
    // Lists are newest first by time; the test clock stands still unless moved.
    t.clock.advance(1_000);
    await t.request('POST', `/v1/payments/${p.body.id}/confirm`, { key: m.key, body: { payment_method: { type: 'wallet', customer: c } } });
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: p.body.id, amount: 100 } });
    const forPayment = await t.request('GET', `/v1/events?object_id=${p.body.id}`, { key: m.key });
    expect(forPayment.body.data.map((e: { type: string }) => e.type).reverse()).toEqual(['payment.created', 'payment.succeeded']);
    const succeeded = forPayment.body.data[0];
    expect(succeeded.data.object).toMatchObject({ id: p.body.id, object: 'payment', status: 'succeeded', amount: 10_000 });
    const forRefund = await t.request('GET', `/v1/events?object_id=${refund.body.id}`, { key: m.key });
    expect(forRefund.body.data.map((e: { type: string }) => e.type)).toEqual(['refund.succeeded']);
  });

  it('two concurrent confirms charge once', async () => {
    const { m, c } = await setup();
    const created = await newPayment(m.key);
    const both = await Promise.all(
      [0, 1].map(() =>
        t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
          key: m.key,
          body: { payment_method: { type: 'wallet', customer: c } },
        }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await t.request('GET', `/v1/customers/${c}/balances`, { key: m.key })).body.data[0].available).toBe(90_000);
  });

  it('property: random captures, refunds and cancels keep the ledger verified and never pay back more than came in', async () => {
    const { m, c } = await setup(10_000_000);
    const step = fc.record({
      manual: fc.boolean(),
      amount: fc.integer({ min: 1, max: 50_000 }),
      capture: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: undefined }),
      cancel: fc.boolean(),
      refunds: fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const s of steps) {
          const p = await newPayment(m.key, { amount: s.amount, capture_method: s.manual ? 'manual' : 'automatic' });
          await t.request('POST', `/v1/payments/${p.body.id}/confirm`, {
            key: m.key,
            body: { payment_method: { type: 'wallet', customer: c } },
          });
          if (s.manual && s.cancel) await t.request('POST', `/v1/payments/${p.body.id}/cancel`, { key: m.key });
          else if (s.manual)
            await t.request('POST', `/v1/payments/${p.body.id}/capture`, {
              key: m.key,
              body: s.capture === undefined ? {} : { amount: s.capture },
            });
          await Promise.all(
            s.refunds.map((amount) => t.request('POST', '/v1/refunds', { key: m.key, body: { payment: p.body.id, amount } })),
          );
          const after = (await t.request('GET', `/v1/payments/${p.body.id}`, { key: m.key })).body;
          expect(after.amount_refunded).toBeLessThanOrEqual(after.amount_captured);
          expect(after.amount_captured).toBeLessThanOrEqual(after.amount);
        }
        const report = await verifyLedger(t.hutong.services.store.reader);
        expect(report.checks.filter((check) => !check.ok)).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});
