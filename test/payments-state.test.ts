import fc from 'fast-check';
import { expect, it } from 'vitest';
import { IllegalTransition } from '../src/core/index.js';
import { paymentMachine, paymentStatuses, type PaymentStatus } from '../src/payments/index.js';
import { moveStatus } from '../src/payments/store.js';
import { useTestApp } from './support/app.js';
import { describeEachStore } from './support/stores.js';

/**
 * The payment table enforced where statuses are written: `moveStatus`, which every payment flow
 * calls, on a real store. Over random proposals, a move outside the table throws and writes
 * nothing (status and timeline unchanged); a move in the table is written with its timeline entry.
 */
describeEachStore('payment transitions on the store', (dialect) => {
  const t = useTestApp(dialect);

  it('writes exactly the moves of the table', async () => {
    const m = await t.makeMerchant();
    const { writer, store } = t.hutong.services;
    let order = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...paymentStatuses), { minLength: 1, maxLength: 6 }), async (proposals) => {
        const created = await t.request('POST', '/v1/payments', {
          key: m.key,
          body: { amount: 100, currency: 'CNY', merchant_order_id: `st-${++order}` },
        });
        const id = created.body.id as string;
        let current: PaymentStatus = 'requires_payment_method';
        let timeline = 1;
        for (const to of proposals) {
          const move = writer.run((trx) => moveStatus(trx, { id, from: current, to, reason: 'property', at: new Date().toISOString() }), {
            keys: [id],
          });
          if (paymentMachine.canMove(current, to)) {
            expect(await move).toBe(true);
            current = to;
            timeline += 1;
          } else await expect(move).rejects.toThrow(IllegalTransition);
          const row = await store.reader.selectFrom('payments').select('status').where('id', '=', id).executeTakeFirstOrThrow();
          const entries = await store.reader.selectFrom('payment_transitions').select('seq').where('payment_id', '=', id).execute();
          expect([row.status, entries.length]).toEqual([current, timeline]);
        }
      }),
      { numRuns: 25 },
    );
  });
});
