import fc from 'fast-check';
import { expect, it } from 'vitest';
import { periodKeys } from '../../src/risk/index.js';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';
import { liNa, sandboxIdentity } from '../support/identity.js';

const hour = 60 * 60 * 1000;
const dailyMinor = 500_000;
/** Lowered from CNY 100,000 for this suite (an operator change), so that sequences reach it too. */
const yearlyMinor = 1_000_000;

/**
 * Property: for any sequence of transfers and withdrawals of a class II customer, spread over
 * days, Hutong accepts exactly those a model of the PBOC limits accepts (daily CNY 5,000 in Beijing
 * days, and a yearly limit), refuses the rest with the right code, and the balance and the counters
 * follow the accepted ones only.
 */
describeEachStore('real-name limits (property)', (dialect) => {
  const t = useTestApp(dialect, {
    identity: async () => {
      const service = await sandboxIdentity();
      return { port: service.port, close: service.close };
    },
  });

  const op = fc.record({
    kind: fc.constantFrom('transfer' as const, 'withdrawal' as const),
    amount: fc.integer({ min: 1, max: 300_000 }),
    advanceHours: fc.integer({ min: 0, max: 20 }),
  });

  it('accepts exactly what the model accepts', async () => {
    const m = await t.makeMerchant();
    const lowered = await t.request('PATCH', '/v1/risk/limits/id_bank_card', { key: t.operatorKey, body: { yearly_limit: yearlyMinor } });
    expect(lowered.body.yearly_limit).toBe(yearlyMinor);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100_000, max: 3_000_000 }), fc.array(op, { minLength: 1, maxLength: 12 }), async (funds, ops) => {
        const payer = await t.makeCustomer(m.key);
        const payee = await t.makeCustomer(m.key);
        await t.request('POST', `/v1/customers/${payer}/top_ups`, { key: m.key, body: { amount: funds, currency: 'CNY' } });
        expect(
          (await t.request('POST', `/v1/customers/${payer}/verifications`, { key: m.key, body: { level: 'id_bank_card', ...liNa } }))
            .status,
        ).toBe(201);
        let balance = funds;
        const used = new Map<string, number>();
        for (const step of ops) {
          t.clock.advance(step.advanceHours * hour);
          const keys = periodKeys(t.clock.now());
          const dayUsed = used.get(keys.day) ?? 0;
          const yearUsed = used.get(keys.year) ?? 0;
          const expected =
            dayUsed + step.amount > dailyMinor || yearUsed + step.amount > yearlyMinor
              ? 'risk_limit_exceeded'
              : step.amount > balance
                ? 'insufficient_funds'
                : 'ok';
          const res =
            step.kind === 'transfer'
              ? await t.request('POST', '/v1/transfers', {
                  key: m.key,
                  body: { source: payer, destination: payee, amount: step.amount, currency: 'CNY' },
                })
              : await t.request('POST', `/v1/customers/${payer}/withdrawals`, {
                  key: m.key,
                  body: { amount: step.amount, currency: 'CNY' },
                });
          expect(res.status === 201 ? 'ok' : res.body.code).toBe(expected);
          if (expected === 'ok') {
            balance -= step.amount;
            used.set(keys.day, dayUsed + step.amount);
            used.set(keys.year, yearUsed + step.amount);
          }
        }
        const limits = (await t.request('GET', `/v1/customers/${payer}/limits`, { key: m.key })).body;
        const keys = periodKeys(t.clock.now());
        expect(limits.limits.find((l: { period: string }) => l.period === 'day').used).toBe(used.get(keys.day) ?? 0);
        expect(limits.limits.find((l: { period: string }) => l.period === 'year').used).toBe(used.get(keys.year) ?? 0);
        const balances = (await t.request('GET', `/v1/customers/${payer}/balances`, { key: m.key })).body.data;
        expect(balances.find((b: { currency: string }) => b.currency === 'CNY').available).toBe(balance);
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
