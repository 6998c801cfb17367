import fc from 'fast-check';
import { expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';
import { escrowKit } from './support/escrow.js';

const hourMs = 60 * 60 * 1000;

/** One step by someone: the buyer, the seller, the operator, or time passing (the timers run). */
const actionArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'ship' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'confirm' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      amount: fc.option(fc.integer({ min: 1, max: 12_000 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'agree' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'refuse' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('arbitrate' as const),
      decision: fc.constantFrom('refund', 'release', 'split'),
      amount: fc.integer({ min: 1, max: 11_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), days: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
);

describeEachStore('escrow under random buyer, seller and operator actions', (dialect) => {
  const t = useTestApp(dialect);
  const k = escrowKit(t);

  it('keeps the ledger verified and never pays out more than was paid in', async () => {
    const m = await t.makeMerchant();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 }).map((n) => n > 0),
        fc.constantFrom('physical', 'virtual', 'auto_delivery'),
        fc.array(actionArb, { minLength: 1, maxLength: 12 }),
        async (pays, goods, actions) => {
          const c = await t.makeCustomer(m.key);
          await t.request('POST', `/v1/customers/${c}/top_ups`, { key: m.key, body: { amount: 10_000, currency: 'CNY' } });
          const e = await k.create(m.key, { goods_type: goods });
          if (pays) await k.pay(m.key, e.payment, c);
          for (const a of actions) {
            const res =
              a.kind === 'ship'
                ? await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF1' })
                : a.kind === 'confirm'
                  ? await k.buyer(e.buyer_token, e.id, 'confirm_receipt')
                  : a.kind === 'request'
                    ? await k.buyer(e.buyer_token, e.id, 'refund_request', {
                        reason: 'not_received',
                        ...(a.amount === undefined ? {} : { amount: a.amount }),
                      })
                    : a.kind === 'withdraw'
                      ? await k.buyer(e.buyer_token, e.id, 'withdraw_refund_request')
                      : a.kind === 'agree'
                        ? await k.seller(m.key, e.id, 'agree_refund')
                        : a.kind === 'refuse'
                          ? await k.seller(m.key, e.id, 'refuse_refund', { reason: 'no' })
                          : a.kind === 'arbitrate'
                            ? await k.operator(e.id, {
                                decision: a.decision,
                                ...(a.decision === 'split' ? { refund_amount: a.amount } : {}),
                              })
                            : a.kind === 'extend'
                              ? await k.seller(m.key, e.id, 'extend', { days: a.days })
                              : a.kind === 'cancel'
                                ? await k.seller(m.key, e.id, 'cancel')
                                : { status: (await k.runTimers(a.hours * hourMs)) >= 0 ? 200 : 500, body: {} };
            // Every answer is a success or a clear client problem, never a server error.
            expect(res.status, `${a.kind}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
          }
          const trade = (await k.get(m.key, e.id)).body;
          const paid = pays ? 10_000 : 0;
          expect(trade.settling).toBe(false);
          expect(trade.amount_held + trade.amount_released + trade.amount_refunded).toBe(paid);
          expect(trade.amount_released + trade.amount_refunded).toBeLessThanOrEqual(paid);
          // The buyer got back exactly what was refunded; nothing else left the wallet.
          expect(await k.wallet(m.key, c)).toBe(10_000 - paid + trade.amount_refunded);
          if (trade.status === 'completed' || trade.status === 'refunded' || trade.status === 'closed') expect(trade.amount_held).toBe(0);
          await k.ledgerOk();
        },
      ),
      { numRuns: 40 },
    );
    // Across every trade of the run: escrow holds what the trades hold; the seller got what was released, net of fees.
    const trades = await t.hutong.services.store.reader
      .selectFrom('escrows')
      .select(['amount_held', 'amount_released', 'fee'])
      .where('merchant_id', '=', m.id)
      .execute();
    const sum = (f: (r: (typeof trades)[number]) => bigint) => trades.reduce((s, r) => s + f(r), 0n);
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(sum((r) => r.amount_held));
    expect(await k.merchantBalance(m.id, 'pending')).toBe(sum((r) => r.amount_released - r.fee));
    await k.ledgerOk();
  }, 120_000);
});
