import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { verifyLedger } from '../src/ledger/index.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, failoverChannels, type CardWorldFixture } from './support/card-world.js';
import type { CardWorld } from '../sandbox/card-world/index.js';
import { describeEachStore } from './support/stores.js';

/** Each brand in the currency its sandbox issuer keeps accounts in, so no conversion blurs the checks. */
const brands = [
  { brand: 'visa', currency: 'USD' },
  { brand: 'mastercard', currency: 'GBP' },
  { brand: 'american-express', currency: 'USD' },
  { brand: 'jcb', currency: 'JPY' },
  { brand: 'unionpay', currency: 'CNY' },
] as const;

const card = (number: string) => ({
  number,
  exp_month: 12,
  exp_year: 2030,
  cvc: number.startsWith('3') && number.length === 15 ? '1234' : '123',
});

describeEachStore('card payments over ISO 8583 to the sandbox card world', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  let order = 0;

  async function pay(key: string, currency: string, number: string, body: Record<string, unknown> = {}) {
    const created = await t.request('POST', '/v1/payments', {
      key,
      body: { amount: 4_200, currency, merchant_order_id: `c-${++order}`, ...body },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: card(number) } },
    });
    return { id: created.body.id as string, confirmed };
  }

  for (const { brand, currency } of brands) {
    it(`${brand}: approves, declines with the issuer's reason, and reverses an unanswered authorization`, async () => {
      const m = await t.makeMerchant();
      const approvedPan = testCardFor(brand, 'approved').pan;
      const before = fixture.world.cardholder(approvedPan)?.postedMinor ?? 0n;
      const ok = await pay(m.key, currency, approvedPan);
      expect(ok.confirmed.status, JSON.stringify(ok.confirmed.body)).toBe(200);
      expect(ok.confirmed.body).toMatchObject({
        status: 'succeeded',
        amount_captured: 4_200,
        payment_method: { type: 'card', card: { brand, last4: approvedPan.slice(-4), exp_month: 12, exp_year: 2030 } },
        channel: 'sandbox_acquirer',
      });
      expect(fixture.world.cardholder(approvedPan)!.postedMinor - before).toBe(4_200n);

      for (const [outcome, code] of [
        ['do-not-honor', '05'],
        ['insufficient-funds', '51'],
        ['expired', '54'],
      ] as const) {
        const declined = await pay(m.key, currency, testCardFor(brand, outcome).pan);
        expect([declined.confirmed.status, declined.confirmed.body.code], outcome).toEqual([402, 'card_declined']);
        expect(declined.confirmed.body.detail).toContain(code);
        const after = await t.request('GET', `/v1/payments/${declined.id}`, { key: m.key });
        expect(after.body).toMatchObject({ status: 'requires_payment_method', last_error: { code: 'card_declined' } });
      }

      const silentPan = testCardFor(brand, 'no-answer').pan;
      const silent = await pay(m.key, currency, silentPan);
      expect([silent.confirmed.status, silent.confirmed.body.code]).toEqual([503, 'channel_unavailable']);
      const detail = await t.request('GET', `/v1/payments/${silent.id}`, { key: m.key });
      expect(detail.body.status).toBe('requires_payment_method');
      expect(detail.body.attempts.map((a: { kind: string; status: string }) => `${a.kind}:${a.status}`)).toEqual([
        'purchase:reversed',
        'reverse:approved',
      ]);
      // The issuer had charged the silent card; the reversal gave it back.
      const silentAccount = fixture.world.cardholder(silentPan)!;
      expect(silentAccount.postedMinor + silentAccount.pendingMinor).toBe(0n);
    });
  }

  it('keeps a declined payment open: the shopper retries with another card and pays', async () => {
    const m = await t.makeMerchant();
    const first = await pay(m.key, 'USD', testCardFor('visa', 'do-not-honor').pan);
    expect(first.confirmed.status).toBe(402);
    const retry = await t.request('POST', `/v1/payments/${first.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: card(testCardFor('mastercard', 'approved').pan) } },
    });
    expect(retry.body.status, JSON.stringify(retry.body)).toBe('succeeded');
    const detail = await t.request('GET', `/v1/payments/${first.id}`, { key: m.key });
    expect(detail.body.timeline.map((s: { to: string }) => s.to)).toEqual([
      'requires_payment_method',
      'processing',
      'requires_payment_method',
      'processing',
      'succeeded',
    ]);
  });

  it('authorizes, captures part once, and the issuer posts only the captured part', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('jcb', 'approved').pan;
    const start = fixture.world.cardholder(pan)?.postedMinor ?? 0n;
    const auth = await pay(m.key, 'JPY', pan, { capture_method: 'manual', amount: 10_000 });
    expect(auth.confirmed.body.status).toBe('requires_capture');
    expect(fixture.world.cardholder(pan)!.pendingMinor).toBeGreaterThanOrEqual(10_000n);
    const captured = await t.request('POST', `/v1/payments/${auth.id}/capture`, { key: m.key, body: { amount: 7_000 } });
    expect(captured.body, JSON.stringify(captured.body)).toMatchObject({ status: 'succeeded', amount_captured: 7_000, fee: 203 });
    expect(fixture.world.cardholder(pan)!.postedMinor - start).toBe(7_000n);
    expect((await t.request('POST', `/v1/payments/${auth.id}/capture`, { key: m.key })).body.code).toBe('payment_state_invalid');
  });

  it('cancels an authorization with a reversal that releases the issuer hold', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('unionpay', 'approved').pan;
    const auth = await pay(m.key, 'CNY', pan, { capture_method: 'manual' });
    const pendingBefore = fixture.world.cardholder(pan)!.pendingMinor;
    const canceled = await t.request('POST', `/v1/payments/${auth.id}/cancel`, { key: m.key });
    expect(canceled.body.status, JSON.stringify(canceled.body)).toBe('canceled');
    expect(pendingBefore - fixture.world.cardholder(pan)!.pendingMinor).toBe(4_200n);
  });

  it('refunds to the card through the acquirer, in parts, never above the captured amount', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('american-express', 'approved').pan;
    const paid = await pay(m.key, 'USD', pan);
    const postedAfterPay = fixture.world.cardholder(pan)!.postedMinor;
    const part = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: paid.id, amount: 1_200 } });
    expect(part.body, JSON.stringify(part.body)).toMatchObject({ status: 'succeeded', amount: 1_200 });
    expect(postedAfterPay - fixture.world.cardholder(pan)!.postedMinor).toBe(1_200n);
    const over = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: paid.id, amount: 3_001 } });
    expect(over.body.code).toBe('refund_exceeds_captured');
    expect((await verifyLedger(t.hutong.services.store.reader)).ok).toBe(true);
  });

  it('refuses bad card input before anything is sent, and never stores the number in clear', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 100, currency: 'USD', merchant_order_id: `c-${++order}` },
    });
    const tries: [Record<string, unknown>, string][] = [
      [card('4111111111111112'), 'card_number_invalid'],
      [{ ...card('4111111111111004'), cvc: '12' }, 'security_code_invalid'],
      [{ ...card('378282246310005'), cvc: '123' }, 'security_code_invalid'],
      [{ ...card('4111111111111004'), exp_year: 2025 }, 'card_expired'],
      [{ ...card('4111111111111004'), exp_month: 13 }, 'request_invalid'],
    ];
    for (const [body, code] of tries) {
      const res = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
        key: m.key,
        body: { payment_method: { type: 'card', card: body } },
      });
      expect(res.body.code, JSON.stringify(body)).toBe(code);
    }
    expect((await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key })).body.attempts).toEqual([]);
  });
});

describeEachStore('card payments when the first acquirer is down', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture, { switchInoperative: true }) });

  it('answers a card_declined with decline_code issuer_unavailable after 91 from the only acquirer, charging nothing', async () => {
    const m = await t.makeMerchant();
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 500, currency: 'USD', merchant_order_id: 'down-1' },
    });
    const res = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: card('4111111111111004') } },
    });
    expect([res.status, res.body.code, res.body.decline_code]).toEqual([402, 'card_declined', 'issuer_unavailable']);
    const after = (await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key })).body;
    expect(after).toMatchObject({
      status: 'requires_payment_method',
      last_error: { code: 'card_declined', decline_code: 'issuer_unavailable' },
    });
  });
});

describeEachStore('card payments fail over to a second acquirer', (dialect) => {
  const worlds = {} as { first: CardWorld; second: CardWorld };
  const t = useTestApp(dialect, { channels: failoverChannels(worlds) });

  it('tries the second acquirer after 91 from the first, and refunds through the one that charged', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('visa', 'approved').pan;
    const created = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 900, currency: 'USD', merchant_order_id: 'fo-1' },
    });
    const res = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: card(pan) } },
    });
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: 'succeeded', channel: 'acquirer_b' });
    const detail = await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key });
    expect(
      detail.body.attempts.map(
        (a: { channel: string; status: string; response_code: string }) => `${a.channel}:${a.status}:${a.response_code}`,
      ),
    ).toEqual(['acquirer_a:declined:91', 'acquirer_b:approved:00']);
    expect(worlds.first.cardholder(pan)?.postedMinor ?? 0n).toBe(0n);
    expect(worlds.second.cardholder(pan)!.postedMinor).toBe(900n);
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: created.body.id } });
    expect(refund.body.status).toBe('succeeded');
    expect(worlds.second.cardholder(pan)!.postedMinor).toBe(0n);
  });
});
