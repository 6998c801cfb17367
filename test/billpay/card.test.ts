import { expect, it } from 'vitest';
import { testCardFor } from '../../sandbox/card-world/index.js';
import { charityProjects, electricityAccounts } from '../../sandbox/billers/index.js';
import { isFailure } from '../../src/core/index.js';
import { accountIdFor, chart, verifyLedger } from '../../src/ledger/index.js';
import type { CardWorldFixture } from '../support/card-world.js';
import { describeEachStore } from '../support/stores.js';
import { useBillpayApp } from './support.js';

/**
 * Bills paid by card through the payment gateway (issue 15): the sandbox card world behind Hutong's
 * ISO 8583 connector, the sandbox billers behind theirs. The card payment is claimed first, charged,
 * then its money moves into the biller payable; a biller's refusal goes back to the card.
 */
const approved = testCardFor('visa', 'approved').pan;
const declined = testCardFor('visa', 'do-not-honor').pan;
const card = (number: string) => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });

describeEachStore('bill payment by card', (dialect) => {
  const cards = {} as CardWorldFixture;
  const t = useBillpayApp(dialect, {}, 1_500, cards);
  const pay = (body: Record<string, unknown>, key?: string) =>
    t.request('POST', '/v1/bill_payments', {
      key: t.app.key,
      body: { currency: 'CNY', ...body },
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const balanceOf = async (spec: Parameters<typeof accountIdFor>[0]) => {
    const account = await t.hutong.services.ledger.getAccount(t.hutong.services.store.reader, accountIdFor(spec));
    return (account?.creditsPosted ?? 0n) - (account?.debitsPosted ?? 0n);
  };
  const payable = (biller: string) => ({
    ownerType: 'channel' as const,
    ownerId: `biller:${biller}`,
    code: 'payable',
    currency: 'CNY',
    kind: 'liability' as const,
    noNegative: true,
  });
  const verified = async () => {
    const report = await verifyLedger(t.hutong.services.store.reader);
    expect(report.ok, JSON.stringify(report)).toBe(true);
  };

  it('electricity by card: charged once through the gateway, posted, accepted; the wallet is not touched', async () => {
    const customer = await t.customer(0);
    const bill = await t.request('POST', '/v1/bills', {
      key: t.app.key,
      body: { biller: t.billers.electricity, account_number: electricityAccounts.due, customer },
    });
    expect(bill.body.status).toBe('available');
    const before = cards.world.cardholder(approved);
    const spentBefore = (before?.postedMinor ?? 0n) + (before?.pendingMinor ?? 0n);
    const paid = await pay(
      { customer, biller: t.billers.electricity, bill: bill.body.id, amount: 23_456, payment_method: card(approved) },
      'card-1',
    );
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'accepted', funding: 'card', card_refund: null, total_debited: 23_456 });
    expect(paid.body.biller_receipt).toMatch(/^EL/);
    const charge = await t.request('GET', `/v1/payments/${paid.body.card_payment}`, { key: t.app.key });
    expect(charge.body).toMatchObject({ status: 'succeeded', amount: 23_456, currency: 'CNY', metadata: { bill_payment: paid.body.id } });
    expect(await t.balance(customer)).toBe(0);
    const once = cards.world.cardholder(approved);
    const spentOnce = (once?.postedMinor ?? 0n) + (once?.pendingMinor ?? 0n);
    // A retry under the same key is the same payment: no second charge.
    const again = await pay(
      { customer, biller: t.billers.electricity, bill: bill.body.id, amount: 23_456, payment_method: card(approved) },
      'card-1',
    );
    expect(again.body).toMatchObject({ id: paid.body.id, card_payment: paid.body.card_payment });
    // The issuer charged the card once (in the card's own currency), and the retry charged nothing more.
    const charged = cards.world.cardholder(approved);
    const spentAfter = (charged?.postedMinor ?? 0n) + (charged?.pendingMinor ?? 0n);
    expect(spentAfter).toBeGreaterThan(spentBefore);
    expect(spentAfter).toBe(spentOnce);
    expect(await balanceOf(payable(t.billers.electricity))).toBe(0n);
    // The biller hears of it through its own webhooks: the reference, the account, the money, not who paid.
    const told = await t.request('GET', `/v1/events?object_id=${paid.body.id}`, { key: t.billerMerchants.electricity.key });
    expect(told.body.data.map((e: { type: string }) => e.type)).toEqual(['biller_payment.accepted']);
    expect(told.body.data[0].data.object).toMatchObject({ object: 'biller_payment', amount: 23_456, commission: 46, net: 23_410 });
    expect(JSON.stringify(told.body.data[0].data.object)).not.toContain(customer);
    // The day's report: the operator's and the biller's own; another merchant finds no such biller.
    const report = await t.request('GET', `/v1/billers/${t.billers.electricity}/report?date=2026-03-01`, { key: t.operatorKey });
    expect(report.body).toMatchObject({ object: 'biller_day_report', accepted_count: 1, accepted_amount: 23_456, net_to_biller: 23_410 });
    expect(report.body.lines).toEqual([{ status: 'accepted', funding: 'card', count: 1, amount: 23_456, commission: 46, payer_fees: 0 }]);
    const own = await t.request('GET', `/v1/billers/${t.billers.electricity}/report?date=2026-03-01`, {
      key: t.billerMerchants.electricity.key,
    });
    expect(own.body.accepted_amount).toBe(23_456);
    const stranger = await t.request('GET', `/v1/billers/${t.billers.electricity}/report?date=2026-03-01`, { key: t.app.key });
    expect(stranger.status).toBe(404);
    // The biller's merchant holds the bill less its commission, as for a wallet payment.
    expect(await balanceOf(chart.merchantPending(t.billerMerchants.electricity.id, 'CNY'))).toBe(BigInt(23_456 - 46));
    await verified();
  });

  it('a declined card: 402, nothing moved, the card payment closed; a replay answers the same', async () => {
    const customer = await t.customer(10_000);
    const refused = await pay(
      { customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_000, payment_method: card(declined) },
      'declined-1',
    );
    expect(refused.status).toBe(402);
    expect(refused.body.code).toBe('bill_card_not_charged');
    const replay = await pay(
      { customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_000, payment_method: card(declined) },
      'declined-1',
    );
    expect(replay.status).toBe(402);
    const history = await t.request('GET', `/v1/bill_payments?customer=${customer}`, { key: t.app.key });
    expect(history.body.data).toHaveLength(1);
    expect(history.body.data[0]).toMatchObject({ status: 'failed', funding: 'card' });
    const charge = await t.request('GET', `/v1/payments/${history.body.data[0].card_payment}`, { key: t.app.key });
    expect(charge.body.status).toBe('canceled');
    expect(await t.balance(customer)).toBe(10_000);
    await verified();
  });

  it('a refused donation paid by card is refunded to the card, not to the wallet', async () => {
    const customer = await t.customer(0);
    const before = await balanceOf(chart.merchantPending(t.app.id, 'CNY'));
    const closed = await pay({
      customer,
      biller: t.billers.charity,
      account_number: charityProjects.closed,
      amount: 2_000,
      payment_method: card(approved),
    });
    expect(closed.status).toBe(201);
    expect(closed.body).toMatchObject({ status: 'refunded', reason: 'project_closed', funding: 'card', card_refund: 'done' });
    const refunds = await t.request('GET', `/v1/refunds?payment=${closed.body.card_payment}`, { key: t.app.key });
    expect(refunds.status).toBe(200);
    expect(refunds.body.data).toHaveLength(1);
    expect(refunds.body.data[0]).toMatchObject({ amount: 2_000 });
    expect(await t.balance(customer)).toBe(0);
    expect(await balanceOf(payable(t.billers.charity))).toBe(0n);
    // The app's pending balance is back where it was, less the card fee it kept or returned.
    expect(await balanceOf(chart.merchantPending(t.app.id, 'CNY'))).toBeLessThanOrEqual(before);
    await verified();
  });

  it('bad payment methods are 400 before anything happens', async () => {
    const customer = await t.customer(0);
    for (const payment_method of [
      { type: 'card', card: { number: '4111x', exp_month: 12, exp_year: 2030 } },
      { type: 'card', card_id: 'card_x', cvc: '12a' },
      { type: 'card' },
      { type: 'bank' },
      { ...card(approved), extra: 1 },
    ]) {
      const res = await pay({ customer, biller: t.billers.charity, account_number: charityProjects.open, amount: 1_000, payment_method });
      expect(res.status, JSON.stringify(payment_method)).toBe(400);
    }
    const history = await t.request('GET', `/v1/bill_payments?customer=${customer}`, { key: t.app.key });
    expect(history.body.data).toHaveLength(0);
  });

  it('auto-pay with a stored card: the overdue bill is charged to the card once, the wallet untouched', async () => {
    const customer = await t.customer(0);
    const stored = await t.hutong.services.cards.tokenize(t.app.id, { number: approved, exp_month: 12, exp_year: 2030 });
    if (isFailure(stored)) throw new Error(stored.detail);
    const saved = await t.request('POST', '/v1/saved_billers', {
      key: t.app.key,
      body: {
        customer,
        biller: t.billers.electricity,
        account_number: electricityAccounts.overdue,
        autopay: { limit: 60_000, currency: 'CNY', card_id: stored.card.id },
      },
    });
    expect(saved.body.autopay).toEqual({ limit: 60_000, currency: 'CNY', card_id: stored.card.id });
    await Promise.all([t.hutong.services.billpay.runAutopay(saved.body.id), t.hutong.timers.runDue()]);
    const runs = (await t.request('GET', `/v1/saved_billers/${saved.body.id}/autopay_runs`, { key: t.app.key })).body.data;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'paid', amount: 50_500 });
    const payment = await t.request('GET', `/v1/bill_payments/${runs[0].bill_payment}`, { key: t.app.key });
    expect(payment.body).toMatchObject({ status: 'accepted', funding: 'card' });
    const history = await t.request('GET', `/v1/bill_payments?customer=${customer}`, { key: t.app.key });
    expect(history.body.data).toHaveLength(1);
    expect(await t.balance(customer)).toBe(0);
    await verified();
  });

  /** What a process that died between its claim and the card's answer leaves behind. */
  async function claimLeftBehind(id: string, amount: bigint): Promise<void> {
    const at = t.clock.now().toISOString();
    const customer = await t.customer(0);
    await t.hutong.services.writer.run(async (trx) => {
      await trx
        .insertInto('billpay_payments')
        .values({
          id,
          merchant_id: t.app.id,
          customer_id: customer,
          biller_id: t.billers.charity,
          bill_id: null,
          account_number: charityProjects.open,
          currency: 'CNY',
          amount,
          payer_fee: 0n,
          biller_fee: 0n,
          periods: null,
          biller_bill_ref: null,
          status: 'charging',
          biller_receipt: null,
          reason: null,
          attempts: 1n,
          next_check_at: new Date(t.clock.now().getTime() + 5_000).toISOString(),
          request_digest: 'crash',
          created_at: at,
          updated_at: at,
          funding: 'card',
          card_payment_id: null,
          card_refund: null,
        })
        .execute();
    });
  }

  it('a crash after the card was charged, before its answer was recorded: the sweeper finds the charge and posts it once', async () => {
    const id = 'bpay_crash_charged';
    await claimLeftBehind(id, 1_500n);
    const { payments } = t.hutong.services;
    const created = await payments.create(
      t.app.id,
      {
        amount: { minor: 1_500n, currency: 'CNY' },
        merchantOrderId: `bill:${id}`,
        captureMethod: 'automatic',
        metadata: { bill_payment: id },
      },
      `billpay:${id}`,
    );
    if (isFailure(created)) throw new Error(created.detail);
    const charged = await payments.confirm(t.app.id, created.id, {
      type: 'card',
      card: { number: approved, exp_month: 12, exp_year: 2030, cvc: '123' },
    });
    expect(isFailure(charged) ? charged.detail : charged.status).toBe('succeeded');
    // Within the grace the sweeper leaves it to the (maybe still living) request.
    await t.hutong.services.billpay.sweepOnce();
    expect((await t.request('GET', `/v1/bill_payments/${id}`, { key: t.app.key })).body.status).toBe('charging');
    t.clock.advance(6_000);
    await t.hutong.services.billpay.sweepOnce();
    const after = await t.request('GET', `/v1/bill_payments/${id}`, { key: t.app.key });
    expect(after.body).toMatchObject({ status: 'accepted', card_payment: created.id, attempts: 1 });
    expect(await balanceOf(payable(t.billers.charity))).toBe(0n);
    await verified();
  });

  it('a crash after the claim, before the card payment existed: the sweeper fails it, nothing charged', async () => {
    const id = 'bpay_crash_unsent';
    await claimLeftBehind(id, 1_700n);
    t.clock.advance(6_000);
    await t.hutong.services.billpay.sweepOnce();
    const after = await t.request('GET', `/v1/bill_payments/${id}`, { key: t.app.key });
    expect(after.body).toMatchObject({ status: 'failed', card_payment: null });
    expect(after.body.reason).toMatch(/never created/);
    await verified();
  });
});
