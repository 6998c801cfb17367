import { expect, it } from 'vitest';
import { useTestApp } from '../support/app.js';
import { describeEachStore } from '../support/stores.js';
import { liNa, liuYang, sandboxIdentity, wangFang, zhangWei } from '../support/identity.js';

const day = 24 * 60 * 60 * 1000;

describeEachStore('real-name tiers and limits', (dialect) => {
  let identityDown = false;
  const t = useTestApp(dialect, {
    identity: async () => {
      const service = await sandboxIdentity({ failWith: () => (identityDown ? 503 : undefined) });
      return { port: service.port, close: service.close };
    },
  });

  async function customerWith(key: string, cny: number): Promise<string> {
    const id = await t.makeCustomer(key);
    if (cny > 0) {
      const topUp = await t.request('POST', `/v1/customers/${id}/top_ups`, { key, body: { amount: cny, currency: 'CNY' } });
      expect(topUp.status).toBe(201);
    }
    return id;
  }

  const balanceOf = async (key: string, id: string) =>
    ((await t.request('GET', `/v1/customers/${id}/balances`, { key })).body.data as { currency: string; available: number }[]).find(
      (b) => b.currency === 'CNY',
    )?.available;

  it('verifies name + ID as class I and stops balance payments at the CNY 1,000 cumulative limit', async () => {
    const m = await t.makeMerchant();
    const [a, b] = [await customerWith(m.key, 500_000), await customerWith(m.key, 0)];
    const verified = await t.request('POST', `/v1/customers/${a}/verifications`, {
      key: m.key,
      body: { level: 'id', ...zhangWei, bank_card: undefined },
    });
    expect(verified.status).toBe(201);
    expect(verified.body).toMatchObject({ object: 'verification', level: 'id', pboc_class: 'I', screening: 'clear' });
    expect(verified.body.limits.limits.map((l: { period: string }) => l.period)).toEqual(['cumulative', 'day']);

    expect(
      (await t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 60_000, currency: 'CNY' } }))
        .status,
    ).toBe(201);
    const over = await t.request('POST', '/v1/transfers', {
      key: m.key,
      body: { source: a, destination: b, amount: 40_001, currency: 'CNY' },
    });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('risk_limit_exceeded');
    expect(over.body.detail).toContain('cumulative');
    expect(await balanceOf(m.key, a)).toBe(440_000);
    // Withdrawals count too; exactly what is left still passes.
    expect(
      (await t.request('POST', `/v1/customers/${a}/withdrawals`, { key: m.key, body: { amount: 40_000, currency: 'CNY' } })).status,
    ).toBe(201);
    const limits = await t.request('GET', `/v1/customers/${a}/limits`, { key: m.key });
    expect(limits.body.limits.find((l: { period: string }) => l.period === 'cumulative')).toMatchObject({
      limit: 100_000,
      used: 100_000,
      remaining: 0,
    });
    // The cumulative limit does not roll over with the day.
    t.clock.advance(2 * day);
    expect(
      (await t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 1, currency: 'CNY' } })).body.code,
    ).toBe('risk_limit_exceeded');
  });

  it('class II (ID + bank card four elements): CNY 5,000 a day, counted in Beijing days, over transfers and wallet payments', async () => {
    const m = await t.makeMerchant();
    const [a, b] = [await customerWith(m.key, 2_000_000), await customerWith(m.key, 0)];
    const verified = await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id_bank_card', ...liNa } });
    expect(verified.status).toBe(201);
    expect(verified.body).toMatchObject({ level: 'id_bank_card', pboc_class: 'II' });
    t.clock.set(new Date('2026-03-02T15:00:00Z')); // 23:00 in Beijing
    expect(
      (await t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 300_000, currency: 'CNY' } }))
        .status,
    ).toBe(201);
    const payment = await t.request('POST', '/v1/payments', {
      key: m.key,
      body: { amount: 250_000, currency: 'CNY', merchant_order_id: `o-${a}` },
    });
    const refused = await t.request('POST', `/v1/payments/${payment.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: a } },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('risk_limit_exceeded');
    expect((await t.request('GET', `/v1/payments/${payment.body.id}`, { key: m.key })).body.status).toBe('requires_payment_method');
    t.clock.set(new Date('2026-03-02T16:00:01Z')); // 00:00:01 the next Beijing day
    const paid = await t.request('POST', `/v1/payments/${payment.body.id}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: a } },
    });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('succeeded');
    expect(await balanceOf(m.key, a)).toBe(2_000_000 - 300_000 - 250_000);
  });

  it('a refund of a balance payment gives its limits back, to the day it was counted in, never more than was charged', async () => {
    const m = await t.makeMerchant();
    const a = await customerWith(m.key, 2_000_000);
    expect(
      (await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id_bank_card', ...liNa } })).status,
    ).toBe(201);
    t.clock.set(new Date('2026-05-02T02:00:00Z'));
    const payFor = async (amount: number) => {
      const p = await t.request('POST', '/v1/payments', {
        key: m.key,
        body: { amount, currency: 'CNY', merchant_order_id: `r-${Math.random()}` },
      });
      return t.request('POST', `/v1/payments/${p.body.id}/confirm`, {
        key: m.key,
        body: { payment_method: { type: 'wallet', customer: a } },
      });
    };
    const paid = await payFor(500_000);
    expect(paid.body.status).toBe('succeeded');
    expect((await payFor(1)).body.code).toBe('risk_limit_exceeded');
    const used = async () =>
      ((await t.request('GET', `/v1/customers/${a}/limits`, { key: m.key })).body.limits as { period: string; used: number }[]).map((l) => [
        l.period,
        l.used,
      ]);
    const refund = (amount: number) => t.request('POST', '/v1/refunds', { key: m.key, body: { payment: paid.body.id, amount } });
    expect((await refund(200_000)).status).toBe(201);
    expect(await used()).toEqual([
      ['year', 300_000],
      ['day', 300_000],
    ]);
    expect((await payFor(200_000)).body.status).toBe('succeeded');
    // The next day: the rest of the refund goes back to the year and to the day it was charged in, not to today.
    t.clock.set(new Date('2026-05-03T02:00:00Z'));
    expect((await refund(300_000)).status).toBe(201);
    expect(await used()).toEqual([
      ['year', 200_000],
      ['day', 0],
    ]);
    expect((await refund(1)).status).toBe(422);
  });

  it('refuses a mismatched identity and an unreachable identity service, changing nothing', async () => {
    const m = await t.makeMerchant();
    const a = await customerWith(m.key, 0);
    const wrongName = await t.request('POST', `/v1/customers/${a}/verifications`, {
      key: m.key,
      body: { level: 'id', name: '王芳', id_number: liuYang.id_number },
    });
    expect(wrongName.status).toBe(422);
    expect(wrongName.body.code).toBe('identity_mismatch');
    const wrongPhone = await t.request('POST', `/v1/customers/${a}/verifications`, {
      key: m.key,
      body: { level: 'id_bank_card', ...wangFang, bank_card: { ...wangFang.bank_card, phone: '13000000000' } },
    });
    expect(wrongPhone.body.code).toBe('identity_mismatch');
    const noCard = await t.request('POST', `/v1/customers/${a}/verifications`, {
      key: m.key,
      body: { level: 'id_bank_card', name: '王芳', id_number: wangFang.id_number },
    });
    expect(noCard.status).toBe(400);
    identityDown = true;
    try {
      const down = await t.request('POST', `/v1/customers/${a}/verifications`, {
        key: m.key,
        body: { level: 'id', ...liuYang, bank_card: undefined },
      });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('identity_service_unavailable');
    } finally {
      identityDown = false;
    }
    expect((await t.request('GET', `/v1/customers/${a}/limits`, { key: m.key })).body).toMatchObject({ level: 'none', pboc_class: 'none' });
    const other = await t.makeMerchant('Other');
    expect(
      (
        await t.request('POST', `/v1/customers/${a}/verifications`, {
          key: other.key,
          body: { level: 'id', ...liuYang, bank_card: undefined },
        })
      ).status,
    ).toBe(404);
    expect((await t.request('GET', `/v1/customers/${a}/limits`, { key: other.key })).status).toBe(404);
  });

  it('lets the operator change the table: unverified customers refused, classed customers refused in other currencies', async () => {
    const m = await t.makeMerchant();
    const [a, b] = [await customerWith(m.key, 10_000), await customerWith(m.key, 0)];
    const tiers = await t.request('GET', '/v1/risk/limits', { key: t.operatorKey });
    expect(tiers.body.data.map((r: { level: string; pboc_class: string }) => `${r.level}:${r.pboc_class}`)).toEqual([
      'none:none',
      'id:I',
      'id_bank_card:II',
      'in_person:III',
    ]);
    expect((await t.request('PATCH', '/v1/risk/limits/none', { key: m.key, body: { debits_allowed: false } })).status).toBe(403);
    expect((await t.request('PATCH', '/v1/risk/limits/gold', { key: t.operatorKey, body: { debits_allowed: false } })).status).toBe(400);
    const changed = await t.request('PATCH', '/v1/risk/limits/none', { key: t.operatorKey, body: { debits_allowed: false } });
    expect(changed.body).toMatchObject({ level: 'none', debits_allowed: false });
    try {
      const refused = await t.request('POST', '/v1/transfers', {
        key: m.key,
        body: { source: a, destination: b, amount: 100, currency: 'CNY' },
      });
      expect(refused.body.code).toBe('risk_verification_required');
    } finally {
      await t.request('PATCH', '/v1/risk/limits/none', { key: t.operatorKey, body: { debits_allowed: true } });
    }
    expect(
      (await t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 100, currency: 'CNY' } })).status,
    ).toBe(201);
    await t.request('POST', `/v1/customers/${a}/top_ups`, { key: m.key, body: { amount: 5_000, currency: 'USD' } });
    await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id', ...wangFang, bank_card: undefined } });
    const usd = await t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 100, currency: 'USD' } });
    expect(usd.body.code).toBe('risk_limit_currency_unsupported');
  });

  it('an operator records an in-person verification: class III, CNY 200,000 a year', async () => {
    const m = await t.makeMerchant();
    const other = await t.makeMerchant('Other');
    const a = await customerWith(m.key, 100_000);
    const path = `/v1/risk/customers/${a}/in_person_verification`;
    expect((await t.request('POST', path, { key: m.key, body: { merchant: m.id, name: '刘洋' } })).status).toBe(403);
    expect((await t.request('POST', path, { key: t.operatorKey, body: { merchant: other.id, name: '刘洋' } })).status).toBe(404);
    const done = await t.request('POST', path, { key: t.operatorKey, body: { merchant: m.id, name: '刘洋' } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ level: 'in_person', pboc_class: 'III', screening: 'clear' });
    expect(done.body.limits.limits.find((l: { period: string }) => l.period === 'year')).toMatchObject({ limit: 20_000_000 });
    // A later, lower verification does not bring the class down.
    await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id', ...liuYang, bank_card: undefined } });
    expect((await t.request('GET', `/v1/customers/${a}/limits`, { key: m.key })).body.pboc_class).toBe('III');
  });

  it('never lets concurrent debits at a limit pass it', async () => {
    const m = await t.makeMerchant();
    const [a, b] = [await customerWith(m.key, 1_000_000), await customerWith(m.key, 0)];
    await t.request('POST', `/v1/customers/${a}/verifications`, { key: m.key, body: { level: 'id_bank_card', ...zhangWei } });
    const tries = 40;
    const answers = await Promise.all(
      Array.from({ length: tries }, (_, i) =>
        i % 4 === 3
          ? t.request('POST', `/v1/customers/${a}/withdrawals`, { key: m.key, body: { amount: 30_000, currency: 'CNY' } })
          : t.request('POST', '/v1/transfers', { key: m.key, body: { source: a, destination: b, amount: 30_000, currency: 'CNY' } }),
      ),
    );
    const passed = answers.filter((r) => r.status === 201).length;
    expect(passed).toBe(16); // floor(500,000 / 30,000)
    expect(answers.filter((r) => r.status !== 201).every((r) => r.body.code === 'risk_limit_exceeded')).toBe(true);
    expect(await balanceOf(m.key, a)).toBe(1_000_000 - 16 * 30_000);
  });
});
