import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import type { CardConnector } from '../src/channels/connector.js';
import type { ChannelsPort } from '../src/payments/index.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';

/**
 * Two payments of one card in one second must not carry one STAN: the issuer would take the second
 * for a retransmission of the first and post nothing while Hutong captured both (docs/benchmarks.md,
 * "Issuers DIFFER, explained"). A new attempt whose trace is taken is drawn again.
 */
describeEachStore('card attempts never reuse a trace another operation holds in that second', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const offered: string[] = [];
  let refuseNext = 0;
  const t = useTestApp(dialect, {
    channels: async () => {
      const real = await cardWorldChannels(fixture)();
      // The acquirer as Hutong sees it, except that it reports the next `refuseNext` traces as taken.
      const wrap = (c: CardConnector): CardConnector =>
        Object.assign(Object.create(c) as CardConnector, {
          reserveTrace(id: string, sentAt: Date) {
            offered.push(id);
            if (refuseNext > 0) {
              refuseNext--;
              return false;
            }
            return c.reserveTrace?.(id, sentAt) ?? true;
          },
        });
      const port: ChannelsPort = { route: (q) => real.route(q).map(wrap), connector: (name) => real.connector(name) };
      return { ...port, close: real.close };
    },
  });

  it("draws another attempt id when the first one's trace is taken, and the issuer posts every payment", async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('visa', 'approved').pan;
    const before = fixture.world.cardholder(pan)?.postedMinor ?? 0n;
    const paid: string[] = [];
    // The test clock stands still: every payment below is sent in the same second.
    for (const [i, refused] of [2, 0, 1].entries()) {
      refuseNext = refused;
      offered.length = 0;
      const created = await t.request('POST', '/v1/payments', {
        key: m.key,
        body: { amount: 1_000, currency: 'USD', merchant_order_id: `trace-${i}` },
      });
      const confirmed = await t.request('POST', `/v1/payments/${created.body.id}/confirm`, {
        key: m.key,
        body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
      });
      expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
      const detail = await t.request('GET', `/v1/payments/${created.body.id}`, { key: m.key });
      const attemptId = detail.body.attempts[0].id as string;
      expect(offered).toHaveLength(refused + 1);
      expect(attemptId).toBe(offered[refused]);
      paid.push(created.body.id);
    }
    expect(fixture.world.cardholder(pan)!.postedMinor - before).toBe(3_000n);
  });
});
