import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { electricityAccounts } from '../../sandbox/billers/index.js';
import { chinaDate, chinaMidnight, nextChinaMidnight } from '../../src/billpay/china-day.js';
import { describeEachStore } from '../support/stores.js';
import { useBillpayApp } from './support.js';

const dayMs = 86_400_000;

describe("auto-pay's day in China (UTC+8, no DST)", () => {
  it('a day begins at 16:00 UTC of the day before', () => {
    expect(chinaDate(new Date('2026-03-31T15:59:59.999Z'))).toBe('2026-03-31');
    expect(chinaDate(new Date('2026-03-31T16:00:00.000Z'))).toBe('2026-04-01');
    expect(chinaMidnight('2026-04-01').toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(chinaMidnight('2027-01-01').toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(nextChinaMidnight(new Date('2026-03-31T15:59:59.999Z')).toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(nextChinaMidnight(new Date('2026-03-31T16:00:00.000Z')).toISOString()).toBe('2026-04-01T16:00:00.000Z');
  });

  it('at every month end, the 1st begins at 16:00 UTC of the last day (leap years too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1971, max: 2199 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 0, max: 8 * 3_600_000 - 1 }),
        (year, month, ms) => {
          const first = new Date(Date.UTC(year, month + 1, 1));
          const firstDate = first.toISOString().slice(0, 10);
          const lastDay = new Date(first.getTime() - dayMs).toISOString().slice(0, 10);
          const boundary = chinaMidnight(firstDate);
          expect(boundary.toISOString()).toBe(`${lastDay}T16:00:00.000Z`);
          // The eight hours before UTC midnight are already the 1st in China; the instant before them is not.
          expect(chinaDate(new Date(boundary.getTime() + ms))).toBe(firstDate);
          expect(chinaDate(new Date(boundary.getTime() - 1 - ms))).toBe(lastDay);
          expect(nextChinaMidnight(new Date(boundary.getTime() - 1 - ms)).getTime()).toBe(boundary.getTime());
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every instant lies in the China day that contains it, and the next one starts within a day', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_000_000_000_000 }), (ms) => {
        const at = new Date(ms);
        const start = chinaMidnight(chinaDate(at)).getTime();
        expect(start).toBeLessThanOrEqual(ms);
        expect(ms - start).toBeLessThan(dayMs);
        expect(nextChinaMidnight(at).getTime()).toBe(start + dayMs);
      }),
    );
  });
});

/**
 * The sandbox electricity bill is due 15 days after its start: starting on 2026-03-17, the bill is
 * due on 2026-04-01 and auto-pay must pay it at 00:00+08:00 of the 1st = 2026-03-31T16:00:00Z.
 */
describeEachStore('auto-pay fires at the start of the due date in China', (dialect) => {
  const t = useBillpayApp(dialect, {}, 1_500, undefined, new Date('2026-03-17T08:00:00Z'));
  const runs = async (id: string) => (await t.request('GET', `/v1/saved_billers/${id}/autopay_runs`, { key: t.app.key })).body.data;

  it('sleeps until 2026-03-31T16:00Z for a bill due on 2026-04-01, not a millisecond less, then pays it once', async () => {
    const customer = await t.customer(100_000);
    const saved = await t.request('POST', '/v1/saved_billers', {
      key: t.app.key,
      body: {
        customer,
        biller: t.billers.electricity,
        account_number: electricityAccounts.due,
        autopay: { limit: 30_000, currency: 'CNY' },
      },
    });
    expect(saved.status).toBe(201);
    const fetched = await t.request('POST', '/v1/bills', {
      key: t.app.key,
      body: { biller: t.billers.electricity, account_number: electricityAccounts.due, customer },
    });
    expect(fetched.body.due_date).toBe('2026-04-01');
    const first = await t.hutong.services.billpay.runAutopay(saved.body.id);
    expect(first?.retryAt.toISOString()).toBe('2026-03-31T16:00:00.000Z');
    // 15:59:59.999 UTC on the 31st is still the 31st in Shanghai: nothing is paid, same wake-up.
    t.clock.set(new Date('2026-03-31T15:59:59.999Z'));
    const before = await t.hutong.services.billpay.runAutopay(saved.body.id);
    expect(before?.retryAt.toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(await runs(saved.body.id)).toEqual([]);
    expect(await t.balance(customer)).toBe(100_000);
    // 16:00 UTC is 00:00 of the 1st in Shanghai: paid, and the next look is at the start of the 2nd.
    t.clock.set(new Date('2026-03-31T16:00:00.000Z'));
    const at = await t.hutong.services.billpay.runAutopay(saved.body.id);
    expect(at?.retryAt.toISOString()).toBe('2026-04-01T16:00:00.000Z');
    const paid = await runs(saved.body.id);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ status: 'paid', due_date: '2026-04-01', amount: 23_456 });
    expect(await t.balance(customer)).toBe(100_000 - 23_456);
    // Run again the same China day: the bill is paid, nothing more is charged.
    await t.hutong.services.billpay.runAutopay(saved.body.id);
    expect(await t.balance(customer)).toBe(100_000 - 23_456);
  });
});
