import { expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/index.js';
import { useTestApp } from './support/app.js';
import { escrowKit } from './support/escrow.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';

const dayMs = 24 * 60 * 60 * 1000;
const minuteMs = 60 * 1000;

describeEachStore('escrow trades paid from the Hutong wallet', (dialect) => {
  const t = useTestApp(dialect);
  const k = escrowKit(t);

  it('walks payment → held → shipped → buyer confirms → released to the seller net of the fee', async () => {
    const { m, c } = await k.setup();
    const e = await k.create(m.key);
    expect(e).toMatchObject({ status: 'awaiting_payment', amount: 10_000, amount_held: 0, goods_type: 'physical', settling: false });
    expect(e.buyer_url).toContain(`/escrow/${e.id}?token=`);
    const payment = await t.request('GET', `/v1/payments/${e.payment}`, { key: m.key });
    expect(payment.body).toMatchObject({ status: 'requires_payment_method', capture_method: 'automatic', metadata: { escrow: e.id } });

    const paid = await k.pay(m.key, e.payment, c);
    expect(paid).toMatchObject({ status: 'succeeded', fee: 0 });
    const sellerView = (await k.get(m.key, e.id)).body;
    expect(sellerView).toMatchObject({ status: 'held', amount_held: 10_000 });
    // The seller never sees the buyer's credential: with it, it could confirm receipt itself.
    expect(JSON.stringify(sellerView)).not.toContain(e.buyer_token);
    expect(sellerView).not.toHaveProperty('buyer_url');
    expect((await t.request('GET', `/v1/escrows/${e.id}`, { key: t.operatorKey })).body).toMatchObject({
      status: 'held',
      fee: 0,
      merchant: m.id,
    });
    expect((await k.get(m.key, e.id)).body.merchant).toBeUndefined();
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(10_000n);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(0n);
    expect(await k.wallet(m.key, c)).toBe(90_000);
    await k.ledgerOk();

    const shipped = await k.seller(m.key, e.id, 'ship', { carrier: 'SF Express', waybill_number: 'SF1234567890' });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({
      status: 'shipped',
      shipping: { carrier: 'SF Express', waybill_number: 'SF1234567890' },
      confirm_due_at: new Date(t.clock.now().getTime() + 10 * dayMs).toISOString(),
    });

    const seen = await t.request('GET', `/v1/buyer/escrows/${e.id}?token=${e.buyer_token}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ status: 'shipped', shipping: { waybill_number: 'SF1234567890' } });
    expect(seen.body.fee).toBeUndefined();

    const confirmed = await k.buyer(e.buyer_token, e.id, 'confirm_receipt');
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({
      status: 'completed',
      amount_held: 0,
      amount_released: 10_000,
      resolution: { by: 'buyer', decision: 'receipt_confirmed' },
    });
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(0n);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
    expect((await t.request('GET', `/v1/payments/${e.payment}`, { key: m.key })).body.fee).toBe(60);
    expect((await k.get(m.key, e.id)).body.fee).toBe(60);
    expect(await k.eventTypes(m.key, e.id)).toEqual(['escrow.created', 'escrow.held', 'escrow.shipped', 'escrow.completed']);
    await k.ledgerOk();

    // Releasing twice: a clear problem, and nothing moves.
    const again = await k.buyer(e.buyer_token, e.id, 'confirm_receipt');
    expect([again.status, again.body.code]).toEqual([409, 'escrow_state_invalid']);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
  });

  for (const [goods, days] of [
    ['physical', 10],
    ['virtual', 3],
    ['auto_delivery', 1],
  ] as const) {
    it(`auto-confirms ${goods} goods ${days} day(s) after shipment`, async () => {
      const { m, c } = await k.setup();
      const e = await k.paidTrade(m.key, c, { goods_type: goods });
      await k.seller(m.key, e.id, 'ship', { carrier: 'EMS', waybill_number: 'EE123' });
      await k.runTimers(days * dayMs - minuteMs);
      expect((await k.get(m.key, e.id)).body.status).toBe('shipped');
      await k.runTimers(2 * minuteMs);
      expect((await k.get(m.key, e.id)).body).toMatchObject({
        status: 'completed',
        amount_released: 10_000,
        resolution: { by: 'timer', decision: 'auto_confirmed' },
      });
      expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
      await k.ledgerOk();
    });
  }

  it('pauses the confirm timer during a refund request and resumes it with the time that was left', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF1' });
    await k.runTimers(4 * dayMs);
    const asked = await k.buyer(e.buyer_token, e.id, 'refund_request', { amount: 3_000, reason: 'not_as_described', note: 'wrong colour' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    expect(asked.body).toMatchObject({
      status: 'refunding',
      confirm_due_at: null,
      confirm_paused_remaining_ms: 6 * dayMs,
      refund_request: { amount: 3_000, reason: 'not_as_described' },
    });
    // Past the original deadline: still waiting for the seller, no auto-confirm.
    await k.runTimers(4 * dayMs + 23 * 60 * minuteMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('refunding');

    const agreed = await k.seller(m.key, e.id, 'agree_refund');
    expect(agreed.status, JSON.stringify(agreed.body)).toBe(200);
    expect(agreed.body).toMatchObject({
      status: 'shipped',
      amount_held: 7_000,
      amount_refunded: 3_000,
      settling: false,
      confirm_due_at: new Date(t.clock.now().getTime() + 6 * dayMs).toISOString(),
    });
    expect(await k.wallet(m.key, c)).toBe(93_000);
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(7_000n);
    const refunds = await t.request('GET', `/v1/refunds?payment=${e.payment}`, { key: m.key });
    expect(refunds.body.data).toMatchObject([{ amount: 3_000, status: 'succeeded', fee_returned: 0 }]);

    await k.runTimers(6 * dayMs - minuteMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('shipped');
    await k.runTimers(2 * minuteMs);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'completed', amount_released: 7_000, amount_refunded: 3_000, fee: 42 });
    expect(await k.merchantBalance(m.id, 'pending')).toBe(7_000n - 42n);
    expect(await k.eventTypes(m.key, e.id)).toEqual([
      'escrow.created',
      'escrow.held',
      'escrow.shipped',
      'escrow.refund_requested',
      'escrow.refund_agreed',
      'escrow.refunded',
      'escrow.completed',
    ]);
    await k.ledgerOk();
  });

  it('resumes the timer when the buyer withdraws the request', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c, { goods_type: 'virtual' });
    await k.seller(m.key, e.id, 'ship', { carrier: 'email', waybill_number: 'licence-key' });
    await k.runTimers(1 * dayMs);
    await k.buyer(e.buyer_token, e.id, 'refund_request', { reason: 'not_received' });
    await k.runTimers(4 * dayMs);
    const back = await k.buyer(e.buyer_token, e.id, 'withdraw_refund_request');
    expect(back.body).toMatchObject({
      status: 'shipped',
      refund_request: null,
      confirm_due_at: new Date(t.clock.now().getTime() + 2 * dayMs).toISOString(),
    });
    await k.runTimers(2 * dayMs + minuteMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('completed');
  });

  it('agrees to a refund request the seller leaves unanswered for 5 days; a refusal stops that clock', async () => {
    const { m, c } = await k.setup();
    const silent = await k.paidTrade(m.key, c);
    const answered = await k.paidTrade(m.key, c);
    await k.buyer(silent.buyer_token, silent.id, 'refund_request', { amount: 2_000, reason: 'not_received' });
    await k.buyer(answered.buyer_token, answered.id, 'refund_request', { reason: 'not_received' });
    await k.seller(m.key, answered.id, 'refuse_refund', { reason: 'it was delivered' });
    await k.runTimers(5 * dayMs - minuteMs);
    expect((await k.get(m.key, silent.id)).body.status).toBe('refunding');
    await k.runTimers(2 * minuteMs);
    expect((await k.get(m.key, silent.id)).body).toMatchObject({
      status: 'held',
      amount_held: 8_000,
      amount_refunded: 2_000,
      resolution: { by: 'timer', decision: 'refund_auto_agreed' },
    });
    expect((await k.get(m.key, answered.id)).body.status).toBe('disputed');
    expect(await k.wallet(m.key, c)).toBe(100_000 - 20_000 + 2_000);
    await k.runTimers(30 * dayMs);
    expect((await k.get(m.key, answered.id)).body.status).toBe('disputed');
    await k.ledgerOk();
  });

  it('lets the seller extend the confirm period, a bounded number of times', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c, { goods_type: 'virtual' });
    const shipped = await k.seller(m.key, e.id, 'ship', { carrier: 'email', waybill_number: 'k1' });
    const extended = await k.seller(m.key, e.id, 'extend', { days: 2 });
    expect(extended.body).toMatchObject({
      extensions: 1,
      confirm_due_at: new Date(new Date(shipped.body.confirm_due_at).getTime() + 2 * dayMs).toISOString(),
    });
    await k.runTimers(4 * dayMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('shipped');
    await k.seller(m.key, e.id, 'extend', { days: 1 });
    await k.seller(m.key, e.id, 'extend', { days: 1 });
    const tooMany = await k.seller(m.key, e.id, 'extend', { days: 1 });
    expect([tooMany.status, tooMany.body.code]).toEqual([422, 'escrow_extension_invalid']);
    await k.runTimers(3 * dayMs);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'completed', extensions: 3 });
  });

  it('disputes a refused refund and the operator refunds the buyer in full', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF2' });
    await k.buyer(e.buyer_token, e.id, 'refund_request', { reason: 'not_received' });
    const refused = await k.seller(m.key, e.id, 'refuse_refund', { reason: 'tracking shows delivered' });
    expect(refused.body).toMatchObject({ status: 'disputed', dispute: { seller_reason: 'tracking shows delivered' } });
    const merchantTries = await t.request('POST', `/v1/escrows/${e.id}/arbitrate`, { key: m.key, body: { decision: 'release' } });
    expect(merchantTries.status).toBe(403);
    const queue = await t.request('GET', '/v1/escrows?status=disputed&limit=100', { key: t.operatorKey });
    expect((queue.body.data as { id: string }[]).map((x) => x.id)).toContain(e.id);
    expect((queue.body.data as { id: string; merchant: string }[]).find((x) => x.id === e.id)?.merchant).toBe(m.id);
    const mine = await t.request('GET', '/v1/escrows?status=disputed', { key: (await t.makeMerchant('Someone else')).key });
    expect(mine.body.data).toEqual([]);
    const decided = await k.operator(e.id, { decision: 'refund', note: 'carrier lost the parcel' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body).toMatchObject({
      status: 'refunded',
      amount_held: 0,
      amount_refunded: 10_000,
      resolution: { by: 'operator', decision: 'refund', refunded: 10_000, released: 0 },
    });
    expect(await k.wallet(m.key, c)).toBe(100_000);
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(0n);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(0n);
    expect(await k.eventTypes(m.key, e.id)).toEqual([
      'escrow.created',
      'escrow.held',
      'escrow.shipped',
      'escrow.refund_requested',
      'escrow.disputed',
      'escrow.arbitrated',
      'escrow.refunded',
    ]);
    await k.ledgerOk();
  });

  it('splits a disputed trade: part back to the buyer, the rest released', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.buyer(e.buyer_token, e.id, 'refund_request', { reason: 'not_as_described' });
    await k.seller(m.key, e.id, 'refuse_refund', { reason: 'as described' });
    const badSplit = await k.operator(e.id, { decision: 'split', refund_amount: 10_000 });
    expect([badSplit.status, badSplit.body.code]).toEqual([422, 'escrow_refund_exceeds_held']);
    const split = await k.operator(e.id, { decision: 'split', refund_amount: 4_000 });
    expect(split.body).toMatchObject({ status: 'completed', amount_refunded: 4_000, amount_released: 6_000, amount_held: 0, fee: 36 });
    expect(await k.wallet(m.key, c)).toBe(94_000);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(6_000n - 36n);
    await k.ledgerOk();
  });

  it('operator releases a disputed trade to the seller', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF3' });
    await k.buyer(e.buyer_token, e.id, 'refund_request', { reason: 'not_received' });
    await k.seller(m.key, e.id, 'refuse_refund', { reason: 'delivered' });
    const released = await k.operator(e.id, { decision: 'release' });
    expect(released.body).toMatchObject({ status: 'completed', amount_released: 10_000 });
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
  });

  it('auto-closes an unpaid trade and cancels its payment', async () => {
    const { m, c } = await k.setup();
    const e = await k.create(m.key);
    await k.runTimers(dayMs - minuteMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('awaiting_payment');
    await k.runTimers(2 * minuteMs);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'closed', close_due_at: null });
    expect((await t.request('GET', `/v1/payments/${e.payment}`, { key: m.key })).body.status).toBe('canceled');
    const late = await t.request('POST', `/v1/payments/${e.payment}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'wallet', customer: c } },
    });
    expect(late.status).toBe(409);
    expect(await k.wallet(m.key, c)).toBe(100_000);
    expect(await k.eventTypes(m.key, e.id)).toEqual(['escrow.created', 'escrow.closed']);
  });

  it('a paid trade is not auto-closed', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.runTimers(2 * dayMs);
    expect((await k.get(m.key, e.id)).body.status).toBe('held');
  });

  it('answers bad input with clear problems and changes nothing', async () => {
    const { m, c } = await k.setup();
    const other = await t.makeMerchant('Other shop');
    const unpaid = await k.create(m.key);
    const paid = await k.paidTrade(m.key, c);
    const before = (await k.get(m.key, paid.id)).body;

    const foreign = await k.seller(other.key, paid.id, 'ship', { carrier: 'SF', waybill_number: 'x' });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'escrow_not_found']);
    expect((await k.get(other.key, paid.id)).status).toBe(404);

    // Someone else's trade: a buyer link is good for its own trade only.
    const wrongBuyer = await k.buyer(unpaid.buyer_token, paid.id, 'refund_request', { reason: 'not_received' });
    expect([wrongBuyer.status, wrongBuyer.body.code]).toEqual([403, 'escrow_buyer_token_invalid']);
    const noToken = await t.request('POST', `/v1/buyer/escrows/${paid.id}/confirm_receipt`, { body: {} });
    expect([noToken.status, noToken.body.code]).toEqual([403, 'escrow_buyer_token_invalid']);
    const forged = await k.buyer(`${paid.buyer_token.split('.')[0]}.${'A'.repeat(43)}`, paid.id, 'confirm_receipt');
    expect(forged.body.code).toBe('escrow_buyer_token_invalid');
    // A refused link in the query is not echoed back in the problem (its instance is the path only).
    const confirmPath = `/v1/buyer/escrows/${paid.id}/confirm_receipt`;
    const viaQuery = await t.request('POST', `${confirmPath}?token=${encodeURIComponent(unpaid.buyer_token)}`, { body: {} });
    expect([viaQuery.status, viaQuery.body.instance]).toEqual([403, confirmPath]);
    expect(JSON.stringify(viaQuery.body)).not.toContain(unpaid.buyer_token);

    const shipUnpaid = await k.seller(m.key, unpaid.id, 'ship', { carrier: 'SF', waybill_number: 'x' });
    expect([shipUnpaid.status, shipUnpaid.body.code]).toEqual([409, 'escrow_state_invalid']);
    const confirmUnshipped = await k.buyer(paid.buyer_token, paid.id, 'confirm_receipt');
    expect([confirmUnshipped.status, confirmUnshipped.body.code]).toEqual([409, 'escrow_state_invalid']);
    const tooMuch = await k.buyer(paid.buyer_token, paid.id, 'refund_request', { amount: 10_001, reason: 'other' });
    expect([tooMuch.status, tooMuch.body.code]).toEqual([422, 'escrow_refund_exceeds_held']);
    const agreeNothing = await k.seller(m.key, paid.id, 'agree_refund');
    expect(agreeNothing.body.code).toBe('escrow_state_invalid');
    const arbitrateUndisputed = await k.operator(paid.id, { decision: 'refund' });
    expect(arbitrateUndisputed.body.code).toBe('escrow_state_invalid');
    const extendUnshipped = await k.seller(m.key, paid.id, 'extend', { days: 2 });
    expect(extendUnshipped.body.code).toBe('escrow_state_invalid');
    const badReason = await k.buyer(paid.buyer_token, paid.id, 'refund_request', { reason: 'changed my mind' });
    expect(badReason.status).toBe(400);
    // A direct refund would take money out of escrow behind the trade's back.
    const direct = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: paid.payment } });
    expect([direct.status, direct.body.code]).toEqual([409, 'escrow_funds_held']);

    expect((await k.get(m.key, paid.id)).body).toEqual(before);
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(10_000n);
    expect(await k.wallet(m.key, c)).toBe(90_000);

    // Acting on a closed trade.
    const canceled = await k.seller(m.key, unpaid.id, 'cancel');
    expect(canceled.body.status).toBe('closed');
    for (const [action, body] of [
      ['ship', { carrier: 'SF', waybill_number: 'x' }],
      ['cancel', {}],
      ['agree_refund', {}],
    ] as const) {
      const res = await k.seller(m.key, unpaid.id, action, body);
      expect([res.status, res.body.code], action).toEqual([409, 'escrow_state_invalid']);
    }
    const buyerOnClosed = await k.buyer(unpaid.buyer_token, unpaid.id, 'refund_request', { reason: 'other' });
    expect(buyerOnClosed.body.code).toBe('escrow_state_invalid');
    await k.ledgerOk();
  });

  it('after release the merchant refunds from its own balance, as for any payment', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF9' });
    await k.buyer(e.buyer_token, e.id, 'confirm_receipt');
    const refund = await t.request('POST', '/v1/refunds', { key: m.key, body: { payment: e.payment, amount: 5_000 } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body).toMatchObject({ status: 'succeeded', fee_returned: 30 });
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n - 5_000n + 30n);
    expect(await k.wallet(m.key, c)).toBe(95_000);
    await k.ledgerOk();
  });

  it('never releases twice: a crash mid-unit releases nothing, the retry releases once, later tries and timers change nothing', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF4' });
    const { ledger, store } = t.hutong.services;
    // The process "dies" inside the release unit, after the ledger entry was written: the unit's
    // transaction never commits, so neither the money nor the state moved.
    const post = ledger.post;
    ledger.post = async (trx, entry) => {
      const written = await post(trx, entry);
      if (entry.reason === 'escrow.release') throw new Error('crash after the release entry');
      return written;
    };
    const crashed = await t.request('POST', `/v1/buyer/escrows/${e.id}/confirm_receipt?token=${e.buyer_token}`, {
      body: {},
      headers: { 'idempotency-key': 'confirm-1' },
    });
    ledger.post = post;
    expect(crashed.status).toBe(500);
    expect((await k.get(m.key, e.id)).body.status).toBe('shipped');
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(10_000n);

    // The retry (same key: a 5xx is not kept) releases once; a further retry replays the answer.
    const retried = await t.request('POST', `/v1/buyer/escrows/${e.id}/confirm_receipt?token=${e.buyer_token}`, {
      body: {},
      headers: { 'idempotency-key': 'confirm-1' },
    });
    expect(retried.body.status).toBe('completed');
    // Again without a key: a clear problem, nothing moves.
    const replay = await k.buyer(e.buyer_token, e.id, 'confirm_receipt');
    expect([replay.status, replay.body.code]).toEqual([409, 'escrow_state_invalid']);
    // The timer that would auto-confirm later finds nothing to do.
    await k.runTimers(11 * dayMs);
    const releases = await store.reader
      .selectFrom('ledger_entries')
      .select('id')
      .where('reason', '=', 'escrow.release')
      .where('link_id', '=', e.id)
      .execute();
    expect(releases).toHaveLength(1);
    expect(await k.merchantBalance(m.id, 'pending')).toBe(9_940n);
    await k.ledgerOk();
  });

  it('a decision whose payout was interrupted is finished once, by the timer or a racing retry', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.buyer(e.buyer_token, e.id, 'refund_request', { amount: 4_000, reason: 'not_as_described' });
    const { payments } = t.hutong.services;
    const refund = payments.refund;
    // The process stops after the decision committed, before the refund reached the payment.
    payments.refund = async () => {
      throw new Error('crash before the refund');
    };
    const interrupted = await k.seller(m.key, e.id, 'agree_refund');
    payments.refund = refund;
    expect(interrupted.status).toBe(500);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'refunding', settling: true, amount_held: 10_000 });
    const meanwhile = await k.buyer(e.buyer_token, e.id, 'withdraw_refund_request');
    expect([meanwhile.status, meanwhile.body.code]).toEqual([409, 'escrow_settling']);

    // A retry and the timer race to finish it: one refund, one credit.
    t.clock.advance(61_000);
    await Promise.all([t.hutong.services.escrow.runSettle(e.id), t.hutong.services.escrow.runSettle(e.id), t.hutong.timers.runDue()]);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'held', settling: false, amount_held: 6_000, amount_refunded: 4_000 });
    expect((await t.request('GET', `/v1/refunds?payment=${e.payment}`, { key: m.key })).body.data).toHaveLength(1);
    expect(await k.wallet(m.key, c)).toBe(94_000);
    expect(await t.hutong.timers.get(`escrow.settle:${e.id}`)).toBeUndefined();
    await k.ledgerOk();
  });

  it('a refund the channel refuses undoes the decision, which can then be taken again', async () => {
    const { m, c } = await k.setup();
    const e = await k.paidTrade(m.key, c);
    await k.buyer(e.buyer_token, e.id, 'refund_request', { reason: 'not_received' });
    await k.seller(m.key, e.id, 'refuse_refund', { reason: 'delivered' });
    const { payments } = t.hutong.services;
    const refund = payments.refund;
    payments.refund = async (merchantId, input) => ({
      id: 're_refused',
      merchantId,
      paymentId: input.paymentId,
      amount: { minor: input.amountMinor ?? 0n, currency: 'CNY' },
      feeReturnedMinor: 0n,
      status: 'failed',
      reason: null,
      failureCode: '05 do not honor',
      createdAt: t.clock.now().toISOString(),
      updatedAt: t.clock.now().toISOString(),
    });
    const refused = await k.operator(e.id, { decision: 'refund' });
    payments.refund = refund;
    expect([refused.status, refused.body.code]).toEqual([422, 'escrow_refund_failed']);
    expect(refused.body.detail).toContain('05 do not honor');
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'disputed', settling: false, amount_held: 10_000 });
    expect(await k.eventTypes(m.key, e.id)).toContain('escrow.refund_failed');
    const decided = await k.operator(e.id, { decision: 'refund' });
    expect(decided.body).toMatchObject({ status: 'refunded', amount_refunded: 10_000 });
    expect(await k.wallet(m.key, c)).toBe(100_000);
    await k.ledgerOk();
  });

  it('webhook endpoints accept the escrow event types and receive them', async () => {
    const { m, c } = await k.setup();
    const types = [
      'escrow.created',
      'escrow.held',
      'escrow.shipped',
      'escrow.completed',
      'escrow.refund_requested',
      'escrow.disputed',
      'escrow.refunded',
      'escrow.closed',
      'escrow.extended',
      'escrow.arbitrated',
    ];
    const endpoint = await t.request('POST', '/v1/webhook_endpoints', {
      key: m.key,
      body: { url: 'https://shop.example/hooks', enabled_events: types },
    });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    const e = await k.paidTrade(m.key, c);
    const deliveries = await t.hutong.services.store.reader
      .selectFrom('webhook_deliveries')
      .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
      .select('events.type')
      .where('events.object_id', '=', e.id)
      .execute();
    expect(deliveries.map((d) => d.type).sort()).toEqual(['escrow.created', 'escrow.held']);
  });
});

describeEachStore('escrow trades paid by card', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, { channels: cardWorldChannels(fixture) });
  const k = escrowKit(t);

  it('holds a card payment in escrow and refunds it to the card through the acquirer', async () => {
    const m = await t.makeMerchant();
    const pan = testCardFor('unionpay', 'approved').pan;
    const before = fixture.world.cardholder(pan)?.postedMinor ?? 0n;
    const e = await k.create(m.key, { amount: 8_000 });
    const paid = await t.request('POST', `/v1/payments/${e.payment}/confirm`, {
      key: m.key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc: '123' } } },
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body).toMatchObject({ status: 'succeeded', fee: 0 });
    expect(fixture.world.cardholder(pan)!.postedMinor - before).toBe(8_000n);
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'held', amount_held: 8_000 });
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(8_000n);

    await k.buyer(e.buyer_token, e.id, 'refund_request', { amount: 2_500, reason: 'not_as_described' });
    const agreed = await k.seller(m.key, e.id, 'agree_refund');
    expect(agreed.body).toMatchObject({ status: 'held', amount_held: 5_500, amount_refunded: 2_500 });
    expect(fixture.world.cardholder(pan)!.postedMinor - before).toBe(5_500n);
    const refunds = await t.request('GET', `/v1/refunds?payment=${e.payment}`, { key: m.key });
    expect(refunds.body.data).toMatchObject([{ amount: 2_500, status: 'succeeded', fee_returned: 0 }]);

    await k.seller(m.key, e.id, 'ship', { carrier: 'SF', waybill_number: 'SF5' });
    await k.buyer(e.buyer_token, e.id, 'confirm_receipt');
    // Card fee 2.9 % of the 5,500 released.
    expect((await k.get(m.key, e.id)).body).toMatchObject({ status: 'completed', amount_released: 5_500, fee: 160 });
    expect(await k.merchantBalance(m.id, 'pending')).toBe(5_500n - 160n);
    expect(await k.merchantBalance(m.id, 'escrow')).toBe(0n);
    await k.ledgerOk();
  });
});
