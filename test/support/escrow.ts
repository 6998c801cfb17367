import { expect } from 'vitest';
import { isFailure } from '../../src/core/failure.js';
import { verifyLedger } from '../../src/ledger/index.js';
import type { TestApp } from './app.js';

/** Test helpers over the HTTP API: a merchant, a buyer with a funded Hutong wallet, and trades. */
export function escrowKit(t: TestApp) {
  let order = 0;
  const kit = {
    async setup(topUpMinor = 100_000) {
      const m = await t.makeMerchant();
      const c = await t.makeCustomer(m.key, 'buyer');
      const top = await t.request('POST', `/v1/customers/${c}/top_ups`, { key: m.key, body: { amount: topUpMinor, currency: 'CNY' } });
      expect(top.status, JSON.stringify(top.body)).toBe(201);
      return { m, c };
    },
    async create(key: string, body: Record<string, unknown> = {}) {
      const res = await t.request('POST', '/v1/escrows', {
        key,
        body: {
          amount: 10_000,
          currency: 'CNY',
          merchant_order_id: `esc-${++order}-${Math.random().toString(36).slice(2, 8)}`,
          goods_type: 'physical',
          description: 'silk scarf',
          ...body,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      // The merchant's answer never carries the buyer's link (issue 12); the buyer gets it from the
      // cashier. These tests play both sides, so they take the buyer's link from the service.
      expect(res.body).not.toHaveProperty('buyer_token');
      const link = await kit.buyerLink(res.body.id as string);
      return { ...(res.body as { id: string; payment: string; status: string }), buyer_token: link.token, buyer_url: link.url };
    },
    /** The buyer's link of a trade, as the cashier gives it to the buyer who pays. */
    async buyerLink(id: string) {
      const trade = await t.hutong.services.escrow.get({ kind: 'operator' }, id);
      if (isFailure(trade)) throw new Error(trade.detail);
      return t.hutong.services.escrow.buyerLink(trade);
    },
    async pay(key: string, paymentId: string, customer: string) {
      const res = await t.request('POST', `/v1/payments/${paymentId}/confirm`, {
        key,
        body: { payment_method: { type: 'wallet', customer } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    },
    async paidTrade(key: string, customer: string, body: Record<string, unknown> = {}) {
      const e = await kit.create(key, body);
      await kit.pay(key, e.payment, customer);
      return e;
    },
    get: (key: string, id: string) => t.request('GET', `/v1/escrows/${id}`, { key }),
    seller: (key: string, id: string, action: string, body: unknown = {}) =>
      t.request('POST', `/v1/escrows/${id}/${action}`, { key, body }),
    buyer: (token: string, id: string, action: string, body: unknown = {}) =>
      t.request('POST', `/v1/buyer/escrows/${id}/${action}?token=${encodeURIComponent(token)}`, { body }),
    operator: (id: string, body: unknown) => t.request('POST', `/v1/escrows/${id}/arbitrate`, { key: t.operatorKey, body }),
    /** Posted balance of a merchant account by code (pending, escrow), credit-normal. */
    async merchantBalance(merchantId: string, code: string): Promise<bigint> {
      const { ledger, store } = t.hutong.services;
      const account = (await ledger.listAccounts(store.reader, { ownerType: 'merchant', ownerId: merchantId })).find(
        (a) => a.code === code,
      );
      return account === undefined ? 0n : account.creditsPosted - account.debitsPosted;
    },
    async wallet(key: string, customer: string): Promise<number> {
      return (await t.request('GET', `/v1/customers/${customer}/balances`, { key })).body.data[0].available as number;
    },
    /** The trade's events in their per-object delivery order (merchant-visible through GET /v1/events). */
    async eventTypes(key: string, id: string): Promise<string[]> {
      const res = await t.request('GET', `/v1/events?object_id=${id}&limit=100`, { key });
      const rows = await t.hutong.services.store.reader
        .selectFrom('events')
        .select(['id', 'type'])
        .where('object_id', '=', id)
        .orderBy('sequence')
        .execute();
      expect(new Set((res.body.data as { id: string }[]).map((e) => e.id))).toEqual(new Set(rows.map((r) => r.id)));
      return rows.map((r) => r.type);
    },
    async ledgerOk() {
      const report = await verifyLedger(t.hutong.services.store.reader);
      expect(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok))).toBe(true);
    },
    async runTimers(advanceMs: number) {
      t.clock.advance(advanceMs);
      return t.hutong.timers.runDue();
    },
  };
  return kit;
}
