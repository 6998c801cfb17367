import { expect, it } from 'vitest';
import { electricityAccounts, mobileNumbers, waterGasAccounts } from '../../sandbox/billers/index.js';
import { verifyLedger } from '../../src/ledger/index.js';
import { describeEachStore } from '../support/stores.js';
import { useBillpayApp } from './support.js';

/**
 * Saved billers and auto-pay (issue 15): the durable timer finds the bill, sleeps until its due
 * date, pays it once within the customer's limit, and sends a notice when it cannot.
 */
describeEachStore('saved billers and auto-pay', (dialect) => {
  const t = useBillpayApp(dialect);
  const save = (body: Record<string, unknown>) => t.request('POST', '/v1/saved_billers', { key: t.app.key, body });
  const runs = async (id: string) => (await t.request('GET', `/v1/saved_billers/${id}/autopay_runs`, { key: t.app.key })).body.data;
  const historyOf = async (customer: string) =>
    (await t.request('GET', `/v1/bill_payments?customer=${customer}`, { key: t.app.key })).body.data as { id: string; status: string }[];
  const noticesOf = async (runId: string) =>
    (await t.request('GET', `/v1/events?object_id=${runId}`, { key: t.app.key })).body.data.map((e: { type: string }) => e.type);

  it('saves a biller account, checked against the biller rule; lists, reads and removes it', async () => {
    const customer = await t.customer(0);
    const bad = await save({ customer, biller: t.billers.electricity, account_number: '3100000010' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('account_number_invalid');
    const saved = await save({ customer, biller: t.billers.mobile, account_number: mobileNumbers.active, nickname: '妈妈的手机' });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ object: 'saved_biller', nickname: '妈妈的手机', autopay: null, status: 'active' });
    const again = await save({ customer, biller: t.billers.mobile, account_number: saved.body.account_number, nickname: 'Mum' });
    expect(again.body).toMatchObject({ id: saved.body.id, nickname: 'Mum' });
    const list = await t.request('GET', `/v1/saved_billers?customer=${customer}`, { key: t.app.key });
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([saved.body.id]);
    const removed = await t.request('DELETE', `/v1/saved_billers/${saved.body.id}`, { key: t.app.key });
    expect(removed.body.status).toBe('removed');
    expect((await t.request('GET', `/v1/saved_billers?customer=${customer}`, { key: t.app.key })).body.data).toEqual([]);
    // Auto-pay needs bills with due dates, and a limit in the biller's currency within its maximum.
    const topUp = await save({
      customer,
      biller: t.billers.mobile,
      account_number: saved.body.account_number,
      autopay: { limit: 5_000, currency: 'CNY' },
    });
    expect(topUp.status).toBe(400);
    expect(topUp.body.code).toBe('bill_autopay_invalid');
    const tooMuch = await save({
      customer,
      biller: t.billers.electricity,
      account_number: electricityAccounts.due,
      autopay: { limit: 900_000_000, currency: 'CNY' },
    });
    expect(tooMuch.body.code).toBe('bill_autopay_invalid');
    const otherCurrency = await save({
      customer,
      biller: t.billers.electricity,
      account_number: electricityAccounts.due,
      autopay: { limit: 100, currency: 'USD' },
    });
    expect(otherCurrency.status).toBe(400);
  });

  it('pays the electricity bill on its due date, not before, once, even when two checks run at once', async () => {
    const customer = await t.customer(100_000);
    const saved = await save({
      customer,
      biller: t.billers.electricity,
      account_number: electricityAccounts.due,
      autopay: { limit: 30_000, currency: 'CNY' },
    });
    expect(saved.status).toBe(201);
    expect(saved.body.autopay).toEqual({ limit: 30_000, currency: 'CNY', card_id: null });
    await t.hutong.timers.runDue();
    // The bill is due in 15 days: nothing is paid yet.
    expect(await runs(saved.body.id)).toEqual([]);
    expect(await t.balance(customer)).toBe(100_000);
    t.clock.advance(15 * 86_400_000);
    const both = await Promise.all([
      t.hutong.services.billpay.runAutopay(saved.body.id),
      t.hutong.services.billpay.runAutopay(saved.body.id),
    ]);
    for (const next of both) expect(next?.retryAt.getTime()).toBeGreaterThan(t.clock.now().getTime());
    await t.hutong.timers.runDue();
    const done = await runs(saved.body.id);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ object: 'bill_autopay_run', status: 'paid', amount: 23_456 });
    const history = await historyOf(customer);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ id: done[0].bill_payment, status: 'accepted' });
    expect(await t.balance(customer)).toBe(100_000 - 23_456);
    // The next day's check finds nothing due and pays nothing.
    t.clock.advance(86_400_000);
    await t.hutong.timers.runDue();
    expect(await historyOf(customer)).toHaveLength(1);
    expect((await verifyLedger(t.hutong.services.store.reader)).ok).toBe(true);
  });

  it('a bill over the limit is not paid: the run says so and a notice goes to the merchant', async () => {
    const customer = await t.customer(1_000_000);
    const saved = await save({
      customer,
      biller: t.billers.water_gas,
      account_number: waterGasAccounts.arrears,
      autopay: { limit: 1, currency: 'CNY' },
    });
    expect(saved.status).toBe(201);
    await t.hutong.services.billpay.runAutopay(saved.body.id);
    const [run] = await runs(saved.body.id);
    expect(run).toMatchObject({ status: 'over_limit', bill_payment: null });
    expect(run.reason).toMatch(/over the auto-pay limit/);
    expect(await noticesOf(run.id)).toEqual(['bill_autopay.failed']);
    expect(await historyOf(customer)).toHaveLength(0);
    expect(await t.balance(customer)).toBe(1_000_000);
  });

  it('an empty wallet on the due date: the run fails with a notice, nothing is charged, and it is not retried into a double payment', async () => {
    const customer = await t.customer(0);
    const saved = await save({
      customer,
      biller: t.billers.electricity,
      account_number: electricityAccounts.overdue,
      autopay: { limit: 100_000, currency: 'CNY' },
    });
    await t.hutong.services.billpay.runAutopay(saved.body.id);
    const [run] = await runs(saved.body.id);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.reason).toMatch(/wallet/);
    expect(await noticesOf(run.id)).toEqual(['bill_autopay.failed']);
    // The same bill on the next check: decided once, no second attempt behind the customer's back.
    await t.request('POST', `/v1/customers/${customer}/top_ups`, { key: t.app.key, body: { amount: 200_000, currency: 'CNY' } });
    await t.hutong.services.billpay.runAutopay(saved.body.id);
    expect(await runs(saved.body.id)).toHaveLength(1);
    expect(await historyOf(customer)).toEqual([]);
  });

  it('a removed saved biller stops its auto-pay', async () => {
    const customer = await t.customer(0);
    const saved = await save({
      customer,
      biller: t.billers.water_gas,
      account_number: waterGasAccounts.arrears,
      autopay: { limit: 10, currency: 'CNY' },
    });
    await t.request('DELETE', `/v1/saved_billers/${saved.body.id}`, { key: t.app.key });
    expect(await t.hutong.services.billpay.runAutopay(saved.body.id)).toBeUndefined();
    expect(await runs(saved.body.id)).toEqual([]);
  });
});
