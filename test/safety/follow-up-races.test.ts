import { afterAll, beforeAll, expect, it } from 'vitest';
import { http } from '../support/process.js';
import { describeEachStore } from '../support/stores.js';
import { freshVisa, startSafetyWorld, type SafetyWorld } from './world.js';

/**
 * A capture racing a cancel of one authorized card payment (issue 12). Before the claim, both sent
 * their message to the acquirer: the cancel's reversal undid the capture at the issuer while the
 * payment ended `succeeded` and the merchant was credited. Now exactly one claims the payment; the
 * other answers 409 payment_state_invalid without sending anything, and what the issuer did to the
 * card matches the payment's status every time.
 */
const racesCount = 8;
const amountMinor = 4_200n;

describeEachStore('capture racing cancel over HTTP', (dialect) => {
  let world: SafetyWorld;
  let key = '';
  beforeAll(async () => {
    world = await startSafetyWorld(dialect);
    key = await world.merchant(`Races ${dialect}`);
  }, 180_000);
  afterAll(async () => world?.close());

  async function authorized(pan: string, order: string): Promise<string> {
    const { url } = world.server;
    const created = await http(url, 'POST', '/v1/payments', {
      key,
      body: { amount: Number(amountMinor), currency: 'USD', merchant_order_id: order, capture_method: 'manual' },
    });
    expect(created.status).toBe(201);
    const confirmed = await http(url, 'POST', `/v1/payments/${created.body.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('requires_capture');
    return created.body.id as string;
  }

  it(`resolves ${racesCount} capture/cancel races to one winner each, the issuer agreeing`, async () => {
    const { url } = world.server;
    const outcomes: string[] = [];
    for (let race = 0; race < racesCount; race++) {
      const pan = freshVisa();
      const id = await authorized(pan, `race-${race}`);
      const [captured, canceled] = await Promise.all([
        http(url, 'POST', `/v1/payments/${id}/capture`, { key, body: {} }),
        http(url, 'POST', `/v1/payments/${id}/cancel`, { key }),
      ]);
      const statuses = [captured.status, canceled.status].sort();
      expect(statuses, JSON.stringify([captured.body, canceled.body])).toEqual([200, 409]);
      const loser = captured.status === 409 ? captured : canceled;
      expect(loser.body.code).toBe('payment_state_invalid');
      expect(loser.headers.get('content-type')).toMatch(/^application\/problem\+json/);

      const payment = (await http(url, 'GET', `/v1/payments/${id}`, { key })).body;
      const card = world.cards.cardholder(pan);
      const followUps = payment.attempts.filter((a: { kind: string }) => a.kind === 'capture' || a.kind === 'reverse');
      // Only the winner's message left Hutong.
      expect(followUps.map((a: { kind: string; status: string }) => `${a.kind}:${a.status}`)).toEqual([
        captured.status === 200 ? 'capture:approved' : 'reverse:approved',
      ]);
      if (captured.status === 200) {
        expect(payment.status).toBe('succeeded');
        expect(card?.postedMinor).toBe(amountMinor);
      } else {
        expect(payment.status).toBe('canceled');
        expect((card?.postedMinor ?? 0n) + (card?.pendingMinor ?? 0n)).toBe(0n);
      }
      outcomes.push(payment.status as string);
    }
    expect(outcomes).toHaveLength(racesCount);
  }, 120_000);

  it('lets two captures of one payment capture once', async () => {
    const { url } = world.server;
    const pan = freshVisa();
    const id = await authorized(pan, 'double-capture');
    const answers = await Promise.all([1, 2, 3].map(() => http(url, 'POST', `/v1/payments/${id}/capture`, { key, body: {} })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(world.cards.cardholder(pan)?.postedMinor).toBe(amountMinor);
    const payment = (await http(url, 'GET', `/v1/payments/${id}`, { key })).body;
    expect(payment.attempts.filter((a: { kind: string }) => a.kind === 'capture')).toHaveLength(1);
  }, 60_000);
});
