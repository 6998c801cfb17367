import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { buildAuthorization, buildRefund } from '../src/channels/iso8583-acquirer/wire.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';

/** Issue 12, "Cards and declines". */
it('the security code travels in DE 48 subelement 92 of the authorization only', () => {
  const context = { stan: '000001', sentAt: new Date('2026-03-01T08:00:00Z'), acquiringInstitutionId: '12345' };
  const card = { pan: '4111111111111004', expiryYymm: '3012', brand: 'visa' as const };
  const merchant = { id: 'mer_1', name: 'Shop', country: 'CN', mcc: '5999' };
  const amount = { minor: 100n, currency: 'USD' };
  const auth = buildAuthorization(
    { attemptId: 'att_1', card: { ...card, securityCode: '123' }, amount, merchant, capture: false },
    context,
  );
  expect(typeof auth === 'string' ? auth : auth.fields[48]).toBe('9203123');
  const amex = buildAuthorization(
    {
      attemptId: 'att_2',
      card: { ...card, pan: '378282246310005', brand: 'american-express', securityCode: '1234' },
      amount,
      merchant,
      capture: true,
    },
    context,
  );
  expect(typeof amex === 'string' ? amex : amex.fields[48]).toBe('92041234');
  const noCode = buildAuthorization({ attemptId: 'att_3', card, amount, merchant, capture: false }, context);
  expect(typeof noCode === 'string' ? noCode : noCode.fields[48]).toBeUndefined();
  const refund = buildRefund(
    { operationId: 'att_4', amount, original: { attemptId: 'att_1', reference: 'R', amount, card, merchant, sentAt: context.sentAt } },
    context,
  );
  expect(typeof refund === 'string' ? refund : refund.fields[48]).toBeUndefined();
});

describeEachStore('card declines and the security code, over ISO 8583 to the sandbox card world', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  let order = 0;

  async function pay(key: string, currency: string, number: string, cvc?: string) {
    const created = await t.request('POST', '/v1/payments', { key, body: { amount: 4_200, currency, merchant_order_id: `cd-${++order}` } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number, exp_month: 12, exp_year: 2030, ...(cvc === undefined ? {} : { cvc }) } } },
    });
    return { id: created.body.id as string, confirmed };
  }

  it('a wrong security code declines with incorrect_cvc and charges nothing; the right one is approved', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('visa', 'approved').pan;
    const before = fixture.world.cardholder(pan)?.postedMinor ?? 0n;
    const wrong = await pay(m.key, 'USD', pan, '987');
    expect(wrong.confirmed.status).toBe(402);
    expect(wrong.confirmed.body).toMatchObject({ code: 'card_declined', decline_code: 'incorrect_cvc' });
    expect(wrong.confirmed.body.decline_message).toMatch(/security code/);
    const after = await t.request('GET', `/v1/payments/${wrong.id}`, { key: m.key });
    expect(after.body.last_error).toMatchObject({ code: 'card_declined', decline_code: 'incorrect_cvc' });
    expect(fixture.world.cardholder(pan)?.postedMinor ?? 0n).toBe(before);
    const right = await pay(m.key, 'USD', pan, '123');
    expect(right.confirmed.body.status).toBe('succeeded');
    const amexPan = testCardFor('american-express', 'approved').pan;
    expect((await pay(m.key, 'USD', amexPan, '1234')).confirmed.body.status).toBe('succeeded');
    expect((await pay(m.key, 'USD', amexPan, '4321')).confirmed.body.decline_code).toBe('incorrect_cvc');
    // Without a code (a card on file), the issuer does not check it.
    expect((await pay(m.key, 'USD', pan)).confirmed.body.status).toBe('succeeded');
    // A refund carries the acquirer's reference of the refund message (its RRN, DE 37).
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: right.id, amount: 200 } });
    expect(refund.body, JSON.stringify(refund.body)).toMatchObject({
      status: 'succeeded',
      channel_reference: expect.stringMatching(/^[0-9A-Za-z]{12}$/),
    });
    expect((await t.request('GET', `/v1/refunds/${refund.body.id}`, { key: m.key })).body.channel_reference).toBe(
      refund.body.channel_reference,
    );
  });

  it('each decline reason has its own decline_code and a shopper sentence', async () => {
    const m = await t.makeMerchant();
    for (const [outcome, declineCode] of [
      ['do-not-honor', 'do_not_honor'],
      ['insufficient-funds', 'insufficient_funds'],
      ['expired', 'expired_card'],
    ] as const) {
      const declined = await pay(m.key, 'USD', testCardFor('visa', outcome).pan, '123');
      expect([declined.confirmed.status, declined.confirmed.body.code, declined.confirmed.body.decline_code], outcome).toEqual([
        402,
        'card_declined',
        declineCode,
      ]);
      expect(declined.confirmed.body.decline_message, outcome).toMatch(/card|bank/i);
      const after = await t.request('GET', `/v1/payments/${declined.id}`, { key: m.key });
      expect(after.body.last_error.decline_code).toBe(declineCode);
    }
  });

  it('Discover and Diners answer card_brand_unsupported, not a currency error', async () => {
    const m = await t.makeMerchant();
    for (const pan of ['6011000995500000', '36438999960016']) {
      const res = await pay(m.key, 'USD', pan, '123');
      expect([res.confirmed.status, res.confirmed.body.code], pan).toEqual([400, 'card_brand_unsupported']);
    }
  });
});
