import { expect, it } from 'vitest';
import { accountIdFor, chart, verifyLedger } from '../../src/ledger/index.js';
import { charityProjects, electricityAccounts, mobileNumbers, propertyUnits, waterGasAccounts } from '../../sandbox/billers/index.js';
import { describeEachStore } from '../support/stores.js';
import { useBillpayApp } from './support.js';

/** Every biller shape end to end over the API, the faults of issue 15, and the money behind them. */
describeEachStore('bill payment', (dialect) => {
  const t = useBillpayApp(dialect);
  const fetchBill = (biller: string, account: string, customer?: string) =>
    t.request('POST', '/v1/bills', {
      key: t.app.key,
      body: { biller, account_number: account, ...(customer === undefined ? {} : { customer }) },
    });
  const pay = (body: Record<string, unknown>, key?: string) =>
    t.request('POST', '/v1/bill_payments', {
      key: t.app.key,
      body: { currency: 'CNY', ...body },
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const setMode = async (name: keyof typeof t.world.urls, mode: string, slowMs?: number) => {
    const res = await fetch(`${t.world.urls[name]}/_sandbox/mode`, { method: 'POST', body: JSON.stringify({ mode, slow_ms: slowMs }) });
    expect(res.status).toBe(200);
  };

  it('finds billers by category and region; merchants cannot register one', async () => {
    const found = await t.request('GET', '/v1/billers?category=electricity&region=CN-SH', { key: t.app.key });
    expect(found.status).toBe(200);
    expect(found.body.data.map((b: { id: string }) => b.id)).toEqual([t.billers.electricity]);
    expect(found.body.data[0]).toMatchObject({ model: 'fetch', amount_rule: 'exact', account: { check_digit: 'luhn', label_zh: '户号' } });
    const refused = await t.request('POST', '/v1/billers', { key: t.app.key, body: {} });
    expect(refused.status).toBe(403);
    const unknownConnector = await t.request('GET', `/v1/billers/${t.billers.mobile}`, { key: t.app.key });
    expect(unknownConnector.body.connector).toBe('mobile');
  });

  it('electricity: fetch → pay exactly; the receipt carries the biller receipt number; the bill cannot be paid twice', async () => {
    const customer = await t.customer(100_000);
    const bill = await fetchBill(t.billers.electricity, electricityAccounts.due, customer);
    expect(bill.status).toBe(201);
    expect(bill.body).toMatchObject({ object: 'bill', status: 'available', amount_due: 23_456, late_fee: 0, currency: 'CNY' });
    const paid = await pay({ customer, biller: t.billers.electricity, bill: bill.body.id, amount: 23_456 });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ object: 'bill_payment', status: 'accepted', amount: 23_456, total_debited: 23_456 });
    expect(paid.body.biller_receipt).toMatch(/^EL\d{8}$/);
    expect(await t.balance(customer)).toBe(100_000 - 23_456);
    const receipt = await t.request('GET', `/v1/bill_payments/${paid.body.id}/receipt`, { key: t.app.key });
    expect(receipt.body).toMatchObject({
      object: 'bill_receipt',
      biller_receipt: paid.body.biller_receipt,
      biller_name_zh: '上海电力（沙箱）',
      amount: 23_456,
    });
    const again = await pay({ customer, biller: t.billers.electricity, bill: bill.body.id, amount: 23_456 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('bill_already_paid');
    const events = await t.request('GET', `/v1/events?object_id=${paid.body.id}`, { key: t.app.key });
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['bill_payment.accepted']);
    expect(events.body.data[0].data.object).toMatchObject({
      id: paid.body.id,
      status: 'accepted',
      biller_receipt: paid.body.biller_receipt,
    });
    const refetched = await fetchBill(t.billers.electricity, electricityAccounts.due);
    expect(refetched.body.status).toBe('nothing_due');
    expect(await t.balance(customer)).toBe(100_000 - 23_456);
    // The biller's money is on its merchant's pending balance, net of its 0.20% commission: settled T+1.
    const pending = await t.hutong.services.ledger.getAccount(
      t.hutong.services.store.reader,
      accountIdFor(chart.merchantPending(t.billerMerchants.electricity.id, 'CNY')),
    );
    expect((pending?.creditsPosted ?? 0n) - (pending?.debitsPosted ?? 0n)).toBe(BigInt(23_456 - 46));
  });

  it('an overdue bill carries its late fee; another amount is refused and charges nothing', async () => {
    const customer = await t.customer(100_000);
    const bill = await fetchBill(t.billers.electricity, electricityAccounts.overdue, customer);
    // Due 2026-02-19; on 2026-03-01 ten days overdue at 1‰ a day of 500.00.
    expect(bill.body).toMatchObject({ status: 'available', amount_due: 50_500, late_fee: 500 });
    expect(bill.body.lines).toEqual([expect.objectContaining({ amount: 50_000 }), { label: 'late fee', amount: 500 }]);
    const short = await pay({ customer, biller: t.billers.electricity, bill: bill.body.id, amount: 50_000 });
    expect(short.status).toBe(422);
    expect(short.body.code).toBe('bill_amount_not_allowed');
    expect(await t.balance(customer)).toBe(100_000);
    const paid = await pay({ customer, biller: t.billers.electricity, bill: bill.body.id, amount: 50_500 });
    expect(paid.body.status).toBe('accepted');
    expect(await t.balance(customer)).toBe(49_500);
  });

  it('an account number failing its check digit is refused before any call; unknown accounts and nothing due are told apart', async () => {
    const bad = `${electricityAccounts.due.slice(0, 9)}${(Number(electricityAccounts.due[9]) + 1) % 10}`;
    const refused = await fetchBill(t.billers.electricity, bad);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('account_number_invalid');
    expect(refused.body.detail).toContain('check digit');
    const badWater = await fetchBill(
      t.billers.water_gas,
      `${waterGasAccounts.arrears.slice(0, 8)}${(Number(waterGasAccounts.arrears[8]) + 3) % 10}`,
    );
    expect(badWater.body.code).toBe('account_number_invalid');
    const unknown = await fetchBill(t.billers.electricity, electricityAccounts.notFound);
    expect(unknown.body.status).toBe('not_found');
    const nothing = await fetchBill(t.billers.electricity, electricityAccounts.nothingDue);
    expect(nothing.body.status).toBe('nothing_due');
  });

  it('water and gas: part of the arrears may be paid, with the convenience fee; more than is due is refused', async () => {
    const customer = await t.customer(50_000);
    const bill = await fetchBill(t.billers.water_gas, waterGasAccounts.arrears, customer);
    expect(bill.body).toMatchObject({ status: 'available', amount_due: 13_800 });
    expect(bill.body.lines[0]).toEqual({ label: 'arrears carried over', amount: 5_000 });
    const tooMuch = await pay({ customer, biller: t.billers.water_gas, bill: bill.body.id, amount: 13_801 });
    expect(tooMuch.body.code).toBe('bill_amount_not_allowed');
    const part = await pay({ customer, biller: t.billers.water_gas, bill: bill.body.id, amount: 6_000 });
    expect(part.body).toMatchObject({ status: 'accepted', amount: 6_000, payer_fee: 100, total_debited: 6_100 });
    expect(await t.balance(customer)).toBe(50_000 - 6_100);
    const rest = await fetchBill(t.billers.water_gas, waterGasAccounts.arrears, customer);
    expect(rest.body).toMatchObject({ amount_due: 7_800 });
    expect(rest.body.lines).toEqual([{ label: 'current statement', amount: 7_800 }]);
  });

  it('mobile: validate → any amount within the limits; barred and unknown numbers', async () => {
    const customer = await t.customer(50_000);
    const valid = await fetchBill(t.billers.mobile, mobileNumbers.active, customer);
    expect(valid.body).toMatchObject({ status: 'available', amount_due: null, customer_name: '*磊' });
    const topUp = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.active, amount: 3_000 });
    expect(topUp.body).toMatchObject({ status: 'accepted', amount: 3_000 });
    expect(topUp.body.biller_receipt).toMatch(/^MB/);
    const tooBig = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.active, amount: 60_000 });
    expect(tooBig.body.code).toBe('bill_amount_not_allowed');
    const barred = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.barred, amount: 3_000 });
    expect(barred.body.code).toBe('bill_not_payable');
    const unknown = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.unknown, amount: 3_000 });
    expect(unknown.body.code).toBe('biller_customer_not_found');
    const badFormat = await pay({ customer, biller: t.billers.mobile, account_number: '23800138000', amount: 3_000 });
    expect(badFormat.body.code).toBe('account_number_invalid');
    expect(await t.balance(customer)).toBe(47_000);
  });

  it('property fees: whole months oldest first; the property company sees who paid and the arrears, and exports them', async () => {
    const customer = await t.customer(500_000);
    const bill = await fetchBill(t.billers.property, propertyUnits.threeMonths, customer);
    // 89.50 m² × 2.50 = 223.75 a month, plus 300.00 parking.
    expect(bill.body.periods).toEqual([
      { period: '2026-01', amount: 52_375 },
      { period: '2026-02', amount: 52_375 },
      { period: '2026-03', amount: 52_375 },
    ]);
    const half = await pay({ customer, biller: t.billers.property, bill: bill.body.id, amount: 26_000 });
    expect(half.body.code).toBe('bill_amount_not_allowed');
    const oneMonth = await pay({ customer, biller: t.billers.property, bill: bill.body.id, amount: 52_375, periods: 1 });
    expect(oneMonth.body).toMatchObject({ status: 'accepted', periods: 1 });
    const other = await fetchBill(t.billers.property, propertyUnits.oneMonth, customer);
    await pay({ customer, biller: t.billers.property, bill: other.body.id, amount: 30_000 });
    const roll = await t.request('GET', `/v1/billers/${t.billers.property}/property_roll`, { key: t.billerMerchants.property.key });
    expect(roll.status).toBe(200);
    expect(roll.body.data).toEqual([
      {
        unit: propertyUnits.threeMonths,
        owed_months: ['2026-02', '2026-03'],
        owed: 104_750,
        paid_through_hutong: 52_375,
        last_receipt: oneMonth.body.biller_receipt,
      },
      expect.objectContaining({ unit: propertyUnits.oneMonth, owed_months: [], owed: 0, paid_through_hutong: 30_000 }),
    ]);
    const csv = await t.request('GET', `/v1/billers/${t.billers.property}/property_roll?format=csv`, {
      key: t.billerMerchants.property.key,
    });
    expect(csv.body).toContain(`${propertyUnits.threeMonths},2026-02 2026-03,104750,52375,`);
    const stranger = await t.request('GET', `/v1/billers/${t.billers.property}/property_roll`, { key: t.app.key });
    expect(stranger.status).toBe(404);
  });

  it('charity: direct pay; a refused donation is refunded at once', async () => {
    const customer = await t.customer(10_000);
    const gift = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 2_000 });
    expect(gift.body).toMatchObject({ status: 'accepted' });
    expect(gift.body.biller_receipt).toMatch(/^CH/);
    const closed = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.closed, amount: 2_000 });
    expect(closed.status).toBe(201);
    expect(closed.body).toMatchObject({ status: 'refunded', reason: 'project_closed', biller_receipt: null });
    const events = await t.request('GET', `/v1/events?object_id=${closed.body.id}`, { key: t.app.key });
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['bill_payment.refunded']);
    expect(await t.balance(customer)).toBe(8_000);
  });

  it('a biller that is down is a clear error before anyone is charged', async () => {
    const customer = await t.customer(10_000);
    await setMode('charity', 'down');
    const down = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_000 });
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('biller_unavailable');
    await setMode('electricity', 'down');
    const fetchDown = await fetchBill(t.billers.electricity, electricityAccounts.due);
    expect(fetchDown.body.code).toBe('biller_unavailable');
    await setMode('charity', 'normal');
    await setMode('electricity', 'normal');
    expect(await t.balance(customer)).toBe(10_000);
  });

  it('a slow biller answers the fetch with a reference id; the bill is read by it later', async () => {
    await setMode('water_gas', 'slow', 900);
    const pending = await fetchBill(t.billers.water_gas, waterGasAccounts.nothingDue);
    expect(pending.status).toBe(202);
    expect(pending.body.status).toBe('fetching');
    await setMode('water_gas', 'normal');
    let status = 'fetching';
    for (let i = 0; i < 50 && status === 'fetching'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await t.request('GET', `/v1/bills/${pending.body.id}`, { key: t.app.key })).body.status;
    }
    expect(status).toBe('nothing_due');
    // A fetch lost with its process (the row left `fetching`) is asked again when the bill is read after the grace.
    await t.hutong.services.store.db.updateTable('billpay_bills').set({ status: 'fetching' }).where('id', '=', pending.body.id).execute();
    expect((await t.request('GET', `/v1/bills/${pending.body.id}`, { key: t.app.key })).body.status).toBe('fetching');
    t.clock.advance(6_000);
    expect((await t.request('GET', `/v1/bills/${pending.body.id}`, { key: t.app.key })).body.status).toBe('nothing_due');
  });

  it('a timeout after the debit: queried, found booked, accepted once', async () => {
    const customer = await t.customer(10_000);
    await setMode('charity', 'drop');
    const unanswered = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_500 }, 'drop-1');
    expect(unanswered.status).toBe(202);
    expect(unanswered.body.status).toBe('awaiting_biller');
    expect(await t.balance(customer)).toBe(8_500);
    await setMode('charity', 'normal');
    t.clock.advance(1_500);
    expect(await t.hutong.services.billpay.sweepOnce()).toBe(1);
    const after = await t.request('GET', `/v1/bill_payments/${unanswered.body.id}`, { key: t.app.key });
    expect(after.body).toMatchObject({ status: 'accepted', attempts: 1 });
    expect(after.body.biller_receipt).toMatch(/^CH/);
    // The retry of the request answers with the same payment (its first answer) and charges nothing more.
    const retried = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_500 }, 'drop-1');
    expect(retried.body.id).toBe(unanswered.body.id);
    expect(await t.balance(customer)).toBe(8_500);
  });

  it('a posting that never arrived: queried, posted again under the same id; never booked after the attempts → refunded', async () => {
    const customer = await t.customer(10_000);
    await setMode('charity', 'lose');
    const lost = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_000 });
    expect(lost.body.status).toBe('awaiting_biller');
    await setMode('charity', 'normal');
    t.clock.advance(1_500);
    await t.hutong.services.billpay.sweepOnce();
    const reposted = await t.request('GET', `/v1/bill_payments/${lost.body.id}`, { key: t.app.key });
    expect(reposted.body).toMatchObject({ status: 'accepted', attempts: 2 });
    expect(await t.balance(customer)).toBe(9_000);

    await setMode('charity', 'lose');
    const gone = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 700 });
    for (let i = 0; i < 6; i++) {
      t.clock.advance(60_000);
      await t.hutong.services.billpay.sweepOnce();
    }
    await setMode('charity', 'normal');
    t.clock.advance(600_000);
    await t.hutong.services.billpay.sweepOnce();
    const refunded = await t.request('GET', `/v1/bill_payments/${gone.body.id}`, { key: t.app.key });
    expect(refunded.body).toMatchObject({ status: 'refunded', attempts: 3 });
    expect(await t.balance(customer)).toBe(9_000);
  });

  it('one bill paid by two requests at once: one payment, one debit', async () => {
    const customer = await t.customer(100_000);
    const bill = await fetchBill(t.billers.property, propertyUnits.oneMonth, customer);
    expect(bill.body.status).toBe('nothing_due');
    const water = await t.customer(100_000);
    const wbill = await fetchBill(t.billers.water_gas, waterGasAccounts.arrears, water);
    const [a, b] = await Promise.all([
      pay({ customer: water, biller: t.billers.water_gas, bill: wbill.body.id, amount: 1_000 }),
      pay({ customer: water, biller: t.billers.water_gas, bill: wbill.body.id, amount: 1_000 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(await t.balance(water)).toBe(100_000 - 1_100);
  });

  it('idempotency: the same key replays, another body under it is refused', async () => {
    const customer = await t.customer(10_000);
    const first = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.second, amount: 1_000 }, 'topup-1');
    const again = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.second, amount: 1_000 }, 'topup-1');
    expect(again.body.id).toBe(first.body.id);
    const other = await pay({ customer, biller: t.billers.mobile, account_number: mobileNumbers.second, amount: 2_000 }, 'topup-1');
    expect(other.status).toBe(422);
    expect(await t.balance(customer)).toBe(9_000);
  });

  it('insufficient funds and another merchant’s customer are refused, nothing moves', async () => {
    const poor = await t.customer(500);
    const res = await pay({ customer: poor, biller: t.billers.mobile, account_number: mobileNumbers.second, amount: 1_000 });
    expect(res.body.code).toBe('insufficient_funds');
    const foreign = await t.request('POST', '/v1/customers', { key: t.billerMerchants.mobile.key, body: { name: 'Other' } });
    const stranger = await pay({
      customer: foreign.body.id,
      biller: t.billers.mobile,
      account_number: mobileNumbers.second,
      amount: 1_000,
    });
    expect(stranger.body.code).toBe('customer_not_found');
  });

  it('complaints: raised by the merchant, resolved by the operator, invisible to others', async () => {
    const list = await t.request('GET', '/v1/bill_payments?limit=1', { key: t.app.key });
    const paymentId = list.body.data[0].id;
    const raised = await t.request('POST', `/v1/bill_payments/${paymentId}/complaints`, {
      key: t.app.key,
      body: { reason: 'not_credited' },
    });
    expect(raised.status).toBe(201);
    expect(raised.body.status).toBe('open');
    const other = await t.request('GET', `/v1/bill_complaints/${raised.body.id}`, { key: t.billerMerchants.mobile.key });
    expect(other.status).toBe(404);
    const resolved = await t.request('POST', `/v1/bill_complaints/${raised.body.id}/resolve`, {
      key: t.operatorKey,
      body: { resolution: 'credited by the biller' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'credited by the biller' });
    const twice = await t.request('POST', `/v1/bill_complaints/${raised.body.id}/resolve`, {
      key: t.operatorKey,
      body: { resolution: 'again' },
    });
    expect(twice.status).toBe(409);
  });

  it('the ledger balances and every biller payable is empty once every posting is answered', async () => {
    const verified = await verifyLedger(t.hutong.services.store.reader);
    expect(verified).toMatchObject({ ok: true });
    const payables = await t.hutong.services.store.reader
      .selectFrom('ledger_accounts')
      .select(['id', 'credits_posted', 'debits_posted'])
      .where('code', '=', 'payable')
      .execute();
    expect(payables.length).toBeGreaterThan(0);
    for (const account of payables) expect(account.credits_posted - account.debits_posted).toBe(0n);
  });
});
