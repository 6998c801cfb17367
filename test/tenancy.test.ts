import { createHmac, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { testCardFor } from '../sandbox/card-world/test-cards.js';
import { createHutong, redactPaths } from '../src/app.js';
import { requestDigest } from '../src/api/idempotency.js';
import { ManualClock } from '../src/core/clock.js';
import { freshStore, testConfig } from './support/stores.js';
import { useTestApp } from './support/app.js';
import { cardWorldChannels, type CardWorldFixture } from './support/card-world.js';
import { describeEachStore } from './support/stores.js';
import { ecbRates } from './web/fx-rates.js';
import { propertyUnits, startBillerWorld } from '../sandbox/billers/index.js';
import { sandboxBillerBodies, sandboxConnectors } from './billpay/support.js';

/**
 * Tenant isolation and card-data hygiene across the whole API (DESIGN.md §8, issues 4 and 6).
 * Two merchants A and B each hold one object of every kind; every registered route is called with
 * each of B's credentials (secret key, dashboard cookie, a cashier token of B's payment, a buyer
 * token of B's trade) against A's objects. A route that is not classified below fails the suite:
 * a new route has to say who may call it, and then it is probed like the others.
 */

type Kind = 'public' | 'operator' | 'merchant';

/** Every route (method and Fastify path) and who it is for. HEAD twins of GETs and /docs are left out. */
const routeKinds: Record<string, Kind> = {
  // Public on purpose: health, metrics and the API description; pages (they hold no data until
  // their script calls the API); sign-in; signed callbacks; the cashier and buyer pages and the
  // buyer API, whose own token (path or header) is the credential and is probed below.
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /openapi.json': 'public',
  'GET /assets/:file': 'public',
  'GET /dashboard': 'public',
  'GET /dashboard/login': 'public',
  'GET /ops': 'public',
  'GET /ops/login': 'public',
  'GET /checkout/:token': 'public',
  'GET /checkout/:token/qr.svg': 'public',
  'GET /escrow/:id': 'public',
  'POST /v1/dashboard_sessions': 'public',
  'POST /v1/channels/:wallet/notifications': 'public',
  'POST /v1/interop/switch/messages': 'public',
  'GET /v1/payments/:id/3ds_return': 'public',
  'GET /v1/buyer/escrows/:id': 'public',
  'POST /v1/buyer/escrows/:id/confirm_receipt': 'public',
  'POST /v1/buyer/escrows/:id/checkout_session': 'public',
  'POST /v1/buyer/escrows/:id/refund_request': 'public',
  'POST /v1/buyer/escrows/:id/withdraw_refund_request': 'public',
  'GET /v1/billers': 'public',
  'GET /v1/billers/:id': 'public',

  'POST /v1/merchants': 'operator',
  'GET /v1/merchants': 'operator',
  'GET /v1/merchants/:id': 'operator',
  'POST /v1/merchants/:id/api_keys': 'operator',
  'POST /v1/merchants/:id/api_keys/:keyId/revoke': 'operator',
  'POST /v1/merchants/:id/suspend': 'operator',
  'POST /v1/merchants/:id/settlement_schedule': 'operator',
  'POST /v1/merchants/:id/fee_plan': 'operator',
  'POST /v1/merchants/:id/fx_settings': 'operator',
  'POST /v1/merchants/:id/logins': 'operator',
  'GET /v1/merchants/:id/logins': 'operator',
  'POST /v1/merchants/:id/logins/:loginId/disable': 'operator',
  'POST /v1/escrows/:id/arbitrate': 'operator',
  'GET /v1/operator/escrow_periods': 'operator',
  'POST /v1/operator/escrow_periods/:goods_type': 'operator',
  'POST /v1/fx/rates': 'operator',
  'POST /v1/ledger/verify': 'operator',
  'POST /v1/operator/settlement_runs': 'operator',
  'POST /v1/operator/payout_runs': 'operator',
  'POST /v1/operator/netting_windows': 'operator',
  'POST /v1/operator/netting_windows/:id/settle': 'operator',
  'POST /v1/operator/chargebacks': 'operator',
  'POST /v1/operator/reconciliation/imports': 'operator',
  'GET /v1/operator/reconciliation/imports': 'operator',
  'POST /v1/operator/reconciliation/bank_statements': 'operator',
  'GET /v1/operator/reconciliation/exceptions': 'operator',
  'POST /v1/operator/reconciliation/exceptions/:id/resolve': 'operator',
  'GET /v1/operator/reserve_check': 'operator',
  'GET /v1/operator/scheduled_runs': 'operator',
  'GET /v1/operator/netting_windows': 'operator',
  'GET /v1/operator/interop/clearing': 'operator',
  'POST /v1/billers': 'operator',
  'POST /v1/billers/:id/reconciliations': 'operator',
  'GET /v1/billers/:id/reconciliation_exceptions': 'operator',
  'POST /v1/bill_complaints/:id/resolve': 'operator',
  'GET /v1/risk/limits': 'operator',
  'PATCH /v1/risk/limits/:level': 'operator',
  'GET /v1/risk/hits': 'operator',
  'POST /v1/risk/hits/:id/decision': 'operator',
  'GET /v1/risk/lists': 'operator',
  'GET /v1/audit_log': 'operator',
  'GET /v1/audit_log/verify': 'operator',
  'POST /v1/risk/merchants/:id/onboarding': 'operator',
  'POST /v1/risk/customers/:id/in_person_verification': 'operator',

  'GET /v1/balance': 'merchant',
  'GET /v1/account': 'merchant',
  'POST /v1/customers': 'merchant',
  'GET /v1/customers': 'merchant',
  'GET /v1/customers/:id': 'merchant',
  'POST /v1/customers/:id/top_ups': 'merchant',
  'POST /v1/customers/:id/withdrawals': 'merchant',
  'GET /v1/customers/:id/transfers': 'merchant',
  'GET /v1/customers/:id/balances': 'merchant',
  'GET /v1/customers/:id/import_allowance': 'merchant',
  'POST /v1/transfers': 'merchant',
  'GET /v1/transfers': 'merchant',
  'GET /v1/transfers/:id': 'merchant',
  'POST /v1/payments': 'merchant',
  'GET /v1/payments': 'merchant',
  'GET /v1/payments/:id': 'merchant',
  'POST /v1/payments/:id/confirm': 'merchant',
  'POST /v1/payments/:id/capture': 'merchant',
  'POST /v1/payments/:id/cancel': 'merchant',
  'GET /v1/payments/:id/ledger_entries': 'merchant',
  'POST /v1/payments/:id/presentment': 'merchant',
  'GET /v1/payments/:id/presentment_options': 'merchant',
  'POST /v1/refunds': 'merchant',
  'GET /v1/refunds': 'merchant',
  'GET /v1/refunds/:id': 'merchant',
  'POST /v1/checkout_sessions': 'merchant',
  'GET /v1/reports/daily_volume': 'merchant',
  'GET /v1/reports/balances': 'merchant',
  'POST /v1/webhook_endpoints': 'merchant',
  'GET /v1/webhook_endpoints': 'merchant',
  'GET /v1/webhook_endpoints/:id': 'merchant',
  'DELETE /v1/webhook_endpoints/:id': 'merchant',
  'POST /v1/webhook_endpoints/:id/rotate_secret': 'merchant',
  'GET /v1/webhook_endpoints/:id/deliveries': 'merchant',
  'GET /v1/events': 'merchant',
  'GET /v1/events/:id': 'merchant',
  'POST /v1/events/:id/redeliver': 'merchant',
  'POST /v1/escrows': 'merchant',
  'GET /v1/escrows': 'merchant',
  'GET /v1/escrows/:id': 'merchant',
  'POST /v1/test_helpers/test_clocks': 'merchant',
  'GET /v1/test_helpers/test_clocks': 'merchant',
  'GET /v1/test_helpers/test_clocks/:id': 'merchant',
  'POST /v1/test_helpers/test_clocks/:id/advance': 'merchant',
  'DELETE /v1/test_helpers/test_clocks/:id': 'merchant',
  'POST /v1/escrows/:id/ship': 'merchant',
  'POST /v1/escrows/:id/extend': 'merchant',
  'POST /v1/escrows/:id/agree_refund': 'merchant',
  'POST /v1/escrows/:id/refuse_refund': 'merchant',
  'POST /v1/escrows/:id/cancel': 'merchant',
  'DELETE /v1/dashboard_sessions/current': 'merchant',
  'GET /v1/api_keys': 'merchant',
  'GET /v1/fx/rates': 'merchant',
  'GET /v1/fx/records': 'merchant',
  'GET /v1/fx/records.csv': 'merchant',
  'POST /v1/fx/quotes': 'merchant',
  'GET /v1/fx/quotes/:id': 'merchant',
  'GET /v1/settlements': 'merchant',
  'GET /v1/settlements/:id': 'merchant',
  'GET /v1/settlements/:id/lines': 'merchant',
  'GET /v1/settlements/:id/lines.csv': 'merchant',
  'GET /v1/settlement_schedule': 'merchant',
  'POST /v1/bank_accounts': 'merchant',
  'GET /v1/bank_accounts': 'merchant',
  'GET /v1/payouts': 'merchant',
  'GET /v1/payouts/:id': 'merchant',
  'POST /v1/customs/registrations': 'merchant',
  'GET /v1/customs/registrations': 'merchant',
  'POST /v1/customs_declarations': 'merchant',
  'GET /v1/customs_declarations': 'merchant',
  'GET /v1/customs_declarations/:id': 'merchant',
  'POST /v1/customs_declarations/:id/modify': 'merchant',
  // Customs pushes receipts; its signature is the credential (an unsigned body changes nothing).
  'POST /v1/customs/receipts': 'public',
  'POST /v1/customs/payment_data_queries': 'public',
  'POST /v1/customs/receipts/poll': 'operator',
  'GET /v1/customs/single_window': 'operator',
  'POST /v1/qr_codes/decode': 'merchant',
  'POST /v1/collection_codes': 'merchant',
  'GET /v1/collection_codes/:id': 'merchant',
  'GET /v1/collection_codes/:id/qr.svg': 'merchant',
  'GET /v1/collection_codes/:id/qr.png': 'merchant',
  'POST /v1/customers/:id/payment_codes': 'merchant',
  'GET /v1/interop/switch': 'merchant',
  'POST /v1/scans': 'merchant',
  'GET /v1/scans/:id': 'merchant',
  'GET /v1/collection_code_payments/:id': 'merchant',
  'POST /v1/collection_code_payments/:id/refunds': 'merchant',
  'POST /v1/bills': 'merchant',
  'GET /v1/bills/:id': 'merchant',
  'POST /v1/bill_payments': 'merchant',
  'GET /v1/bill_payments': 'merchant',
  'GET /v1/bill_payments/:id': 'merchant',
  'GET /v1/bill_payments/:id/receipt': 'merchant',
  'POST /v1/bill_payments/:id/complaints': 'merchant',
  'GET /v1/bill_complaints/:id': 'merchant',
  'GET /v1/billers/:id/property_roll': 'merchant',
  'POST /v1/customers/:id/verifications': 'merchant',
  'GET /v1/customers/:id/limits': 'merchant',
  // The favicon (a redirect to its hashed asset): no data.
  'GET /favicon.ico': 'public',
  'POST /v1/operator_sessions': 'public',
  'DELETE /v1/operator_sessions/current': 'operator',
  'GET /v1/operator_sessions/current': 'operator',
  'POST /v1/operators': 'operator',
  'GET /v1/operators': 'operator',
  'PATCH /v1/operators/:id': 'operator',
  'GET /v1/risk/rules': 'operator',
  'POST /v1/risk/rules': 'operator',
  'PATCH /v1/risk/rules/:id': 'operator',
  'POST /v1/risk/rules/backtest': 'operator',
  'GET /v1/risk/decisions': 'operator',
  'GET /v1/risk/reviews': 'operator',
  'POST /v1/risk/reviews/:payment/decision': 'operator',
  'GET /v1/risk/list_items': 'operator',
  'POST /v1/risk/list_items': 'operator',
  'POST /v1/saved_billers': 'merchant',
  'GET /v1/saved_billers': 'merchant',
  'GET /v1/saved_billers/:id': 'merchant',
  'DELETE /v1/saved_billers/:id': 'merchant',
  'GET /v1/saved_billers/:id/autopay_runs': 'merchant',
  'GET /v1/billers/:id/report': 'merchant',
  'POST /v1/customs/export_trades': 'merchant',
  'POST /v1/customs/export_trades/:payment/shipment': 'merchant',
  'GET /v1/customs/export_trades': 'merchant',
  'GET /v1/customs/export_trades/:payment': 'merchant',
  'GET /v1/customs/bop_records': 'merchant',
  // Reports and search (issue 17 §3): merchant reports are the caller's own, operator reports everyone's.
  'GET /v1/reports/volume': 'merchant',
  'GET /v1/reports/breakdown': 'merchant',
  'GET /v1/reports/summary': 'merchant',
  'GET /v1/reports/declines': 'merchant',
  'GET /v1/reports/balance_statement': 'merchant',
  'GET /v1/reports/payouts': 'merchant',
  'GET /v1/reports/payouts/:id': 'merchant',
  'GET /v1/reports/payments': 'merchant',
  'GET /v1/search': 'merchant',
  'GET /v1/operator/reports/volume': 'operator',
  'GET /v1/operator/reports/breakdown': 'operator',
  'GET /v1/operator/reports/summary': 'operator',
  'GET /v1/operator/reports/declines': 'operator',
  'GET /v1/operator/reports/channel_health': 'operator',
  'GET /v1/operator/reports/revenue': 'operator',
  'GET /v1/operator/reports/reserve_position': 'operator',
  'GET /v1/operator/reports/exceptions': 'operator',
  'GET /v1/operator/reports/reconciliation_failures': 'operator',
  'GET /v1/operator/search': 'operator',
  'POST /v1/risk/cases/scan': 'operator',
  'GET /v1/risk/cases': 'operator',
  'POST /v1/risk/cases/:id/assign': 'operator',
  'POST /v1/risk/cases/:id/decision': 'operator',
};

/** Routes from Fastify's own table (printRoutes without common prefixes: one path segment per node). */
function registeredRoutes(printed: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of printed.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const match = /^(.*?) \(([A-Z, ]+)\)$/.exec(line.slice(at + 4));
    const segment = match === null ? line.slice(at + 4) : (match[1] as string);
    stack.length = depth;
    stack.push(segment);
    if (match === null) continue;
    const path = stack.join('');
    for (const method of (match[2] as string).split(',').map((m) => m.trim())) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return [...new Set(out)].filter((r) => !/ \/docs/.test(r)).sort();
}

const pan = testCardFor('unionpay', 'approved').pan;
const cvc = '123'; // every sandbox card's security code (docs/test-cards.md)

interface Tenant {
  /** A card payment from abroad, recorded as an export trade (src/customs). */
  exportPayment: string;
  id: string;
  key: string;
  name: string;
  customer: string;
  customerName: string;
  idNumber: string;
  cardPayment: string;
  openPayment: string;
  importPayment: string;
  declaration: string;
  refund: string;
  trade: string;
  tradeToken: string;
  unpaidTrade: string;
  unpaidTradeToken: string;
  quote: string;
  webhook: string;
  transfer: string;
  event: string;
  bankAccount: string;
  iban: string;
  statement: string;
  payout: string;
  collectionCode: string;
  checkoutToken: string;
  session: string;
  csrf: string;
  /** Bill payment: the tenant's own property biller (it is the property company), a bill, a payment, a complaint. */
  biller: string;
  bill: string;
  billPayment: string;
  complaint: string;
  /** A saved biller of the tenant's customer (issue 15: saved billers and auto-pay). */
  savedBiller: string;
  /** A payment of the tenant's collection code through the switch, and a scan of its customer (issue 14). */
  codePayment: string;
  scan: string;
  /** A test clock of the tenant's (issue 12). */
  testClock: string;
}

describeEachStore('tenant isolation and card data across every route', (dialect) => {
  const fixture = {} as CardWorldFixture;
  const t = useTestApp(dialect, {
    // No switch listens here: a scan stays pending (the object probes below need one), nothing is paid.
    interopSwitchUrl: () => 'http://127.0.0.1:9',
    channels: cardWorldChannels(fixture),
    billers: async () => {
      const world = await startBillerWorld({});
      return { connectors: sandboxConnectors(world, 2_000), close: () => world.close() };
    },
  });
  /** A trade's buyer token, as the cashier gives it to the buyer who pays (never in the merchant's answers). */
  const buyerTokenOf = async (id: string): Promise<string> => {
    const found = await t.hutong.services.escrow.get({ kind: 'operator' }, id);
    if ('failure' in found) throw new Error(found.detail);
    return t.hutong.services.escrow.buyerLink(found).token;
  };
  const A = {} as Tenant;
  const B = {} as Tenant;
  /** Every response A's own credentials got: scanned for card data at the end. */
  const seenByA: string[] = [];
  let seq = 0;

  async function ok(res: { status: number; body: any }, status = 201) {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  }

  async function tenant(tn: Tenant, tag: 'A' | 'B', idNumber: string, iban: string) {
    const m = await t.makeMerchant(`Shop${tag} ${Math.random().toString(36).slice(2, 8)}`);
    Object.assign(tn, { id: m.id, key: m.key, idNumber, iban });
    tn.name = (await ok(await t.request('GET', `/v1/merchants/${m.id}`, { key: t.operatorKey }), 200)).name;
    const key = m.key;
    const headers = (k: string) => ({ 'idempotency-key': k });
    tn.customerName = `Buyer${tag} Zhang`;
    const customer = await ok(
      await t.request('POST', '/v1/customers', {
        key,
        headers: headers('tenancy-customer'),
        body: { name: tn.customerName, identity: { type: 'resident_id', number: idNumber } },
      }),
    );
    tn.customer = customer.id;
    await ok(
      await t.request('POST', `/v1/customers/${tn.customer}/top_ups`, {
        key,
        headers: headers('tenancy-topup'),
        body: { amount: 5_000_000, currency: 'CNY' },
      }),
    );
    tn.bankAccount = (
      await ok(
        await t.request('POST', '/v1/bank_accounts', {
          key,
          headers: headers('tenancy-bank'),
          body: { currency: 'CNY', holder_name: `${tag} Trading Ltd`, iban },
        }),
      )
    ).id;

    const card = await ok(
      await t.request('POST', '/v1/payments', {
        key,
        headers: headers('tenancy-card'),
        body: { amount: 50_000, currency: 'CNY', merchant_order_id: `${tag}-card` },
      }),
    );
    tn.cardPayment = card.id;
    const paid = await t.request('POST', `/v1/payments/${card.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc } } },
    });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    // An export receipt (a foreign card) with its order and shipment (src/customs).
    const exported = await ok(
      await t.request('POST', '/v1/payments', { key, body: { amount: 20_000, currency: 'CNY', merchant_order_id: `${tag}-export` } }),
    );
    tn.exportPayment = exported.id;
    const foreign = testCardFor('visa', 'approved').pan;
    const paidAbroad = await t.request('POST', `/v1/payments/${exported.id}/confirm`, {
      key,
      body: { payment_method: { type: 'card', card: { number: foreign, exp_month: 12, exp_year: 2030, cvc } } },
    });
    expect(paidAbroad.body.status, JSON.stringify(paidAbroad.body)).toBe('succeeded');
    await ok(
      await t.request('POST', '/v1/customs/export_trades', {
        key,
        body: {
          payment: exported.id,
          order_no: `${tag}-export`,
          shipment: { carrier: 'SF', waybill_no: `SF${tag}`, destination_country: 'US' },
        },
      }),
    );
    tn.refund = (
      await ok(
        await t.request('POST', '/v1/refunds', { key, headers: headers('tenancy-refund'), body: { payment: card.id, amount: 1_000 } }),
      )
    ).id;

    const order = { payer_name: tn.customerName, id_type: 'resident_id', id_number: idNumber };
    const imported = await ok(
      await t.request('POST', '/v1/payments', {
        key,
        headers: headers('tenancy-import'),
        body: { amount: 20_000, currency: 'CNY', merchant_order_id: `${tag}-import`, customer: tn.customer, import_order: order },
      }),
    );
    tn.importPayment = imported.id;
    expect(
      (
        await t.request('POST', `/v1/payments/${imported.id}/confirm`, {
          key,
          body: { payment_method: { type: 'wallet', customer: tn.customer } },
        })
      ).body.status,
    ).toBe('succeeded');
    const registered = await t.request('POST', '/v1/customs/registrations', {
      key,
      body: { customs_office: '0101', ebp_code: '1101230001', ebp_name: `${tn.name} platform` },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    tn.declaration = (
      await ok(
        await t.request('POST', '/v1/customs_declarations', {
          key,
          body: {
            payment: imported.id,
            customs_office: '0101',
            order_no: `${tag}-order`,
            payer: { name: tn.customerName, id_type: 'resident_id', id_number: idNumber },
          },
        }),
      )
    ).id;

    const trade = await ok(
      await t.request('POST', '/v1/escrows', {
        key,
        headers: headers('tenancy-escrow'),
        body: { amount: 10_000, currency: 'CNY', merchant_order_id: `${tag}-escrow`, goods_type: 'physical', customer: tn.customer },
      }),
    );
    Object.assign(tn, { trade: trade.id, tradeToken: await buyerTokenOf(trade.id) });
    expect(
      (
        await t.request('POST', `/v1/payments/${trade.payment}/confirm`, {
          key,
          body: { payment_method: { type: 'wallet', customer: tn.customer } },
        })
      ).body.status,
    ).toBe('succeeded');
    const unpaid = await ok(
      await t.request('POST', '/v1/escrows', {
        key,
        headers: headers('tenancy-escrow-2'),
        body: { amount: 7_000, currency: 'CNY', merchant_order_id: `${tag}-escrow-2`, goods_type: 'virtual' },
      }),
    );
    Object.assign(tn, { unpaidTrade: unpaid.id, unpaidTradeToken: await buyerTokenOf(unpaid.id) });
    tn.testClock = (
      await ok(await t.request('POST', '/v1/test_helpers/test_clocks', { key, body: { frozen_time: '2026-01-01T00:00:00Z' } }))
    ).id;

    tn.webhook = (
      await ok(
        await t.request('POST', '/v1/webhook_endpoints', {
          key,
          headers: headers('tenancy-webhook'),
          body: { url: `https://${tag.toLowerCase()}.example/hooks`, enabled_events: ['*'] },
        }),
      )
    ).id;
    tn.transfer = (
      await ok(
        await t.request('POST', '/v1/transfers', {
          key,
          headers: headers('tenancy-transfer'),
          body: { source: tn.customer, destination: tn.id, amount: 100, currency: 'CNY' },
        }),
      )
    ).id;
    tn.event = (await ok(await t.request('GET', '/v1/events?limit=1', { key }), 200)).data[0].id;
    const code = await ok(
      await t.request('POST', '/v1/collection_codes', { key, body: { kind: 'static', currency: 'CNY', city: 'Shanghai' } }),
    );
    tn.collectionCode = code.id;
    // The switch's signed messages: a sandbox wallet's user pays the code (interop, issue 14).
    const fromSwitch = async (message: Record<string, string>) => {
      const body = JSON.stringify(message);
      const ts = Math.floor(t.clock.now().getTime() / 1000);
      const signature = `t=${ts},v1=${createHmac('sha256', 'hutong-sandbox-switch-key-not-for-production').update(`${ts}.${body}`).digest('hex')}`;
      const res = await t.hutong.server.inject({
        method: 'POST',
        url: '/v1/interop/switch/messages',
        headers: { 'content-type': 'application/json', 'switch-signature': signature },
        payload: body,
      });
      return ok({ status: res.statusCode, body: JSON.parse(res.body) }, 200);
    };
    const reference = `SWTEN${tag}${randomBytes(4).toString('hex')}`.replace(/[^A-Za-z0-9]/g, '');
    const codeOrder = await fromSwitch({
      message_type: 'qr_order',
      switch_reference: reference,
      payer_institution: 'wechat_sandbox',
      payload: code.payload,
      currency: 'CNY',
      amount: '300',
    });
    await fromSwitch({
      message_type: 'qr_paid',
      switch_reference: reference,
      order_id: codeOrder.order_id,
      currency: 'CNY',
      amount: '300',
    });
    tn.codePayment = codeOrder.order_id;
    const scan = await t.request('POST', '/v1/scans', { key, body: { customer: tn.customer, payload: code.payload, amount: 100 } });
    expect(scan.status, JSON.stringify(scan.body)).toBe(503);
    tn.scan = /scan (\S+) is pending/.exec(scan.body.detail as string)?.[1] as string;
    await billpayObjects(tn, tag);
  }

  /** The tenant is a property company with its own biller; its customer pays a month of fees and complains. */
  async function billpayObjects(tn: Tenant, tag: 'A' | 'B') {
    const body = sandboxBillerBodies({ electricity: tn.id, water_gas: tn.id, mobile: tn.id, property: tn.id, charity: tn.id }).property;
    tn.biller = (
      await ok(await t.request('POST', '/v1/billers', { key: t.operatorKey, body: { ...body, code: `tenancy-${tag.toLowerCase()}` } }))
    ).id;
    const bill = await ok(
      await t.request('POST', '/v1/bills', {
        key: tn.key,
        body: { biller: tn.biller, account_number: propertyUnits.threeMonths, customer: tn.customer },
      }),
    );
    tn.bill = bill.id;
    const month = (bill.periods as { amount: number }[])[0]?.amount as number;
    tn.billPayment = (
      await ok(
        await t.request('POST', '/v1/bill_payments', {
          key: tn.key,
          body: { customer: tn.customer, biller: tn.biller, bill: tn.bill, amount: month, currency: 'CNY' },
        }),
      )
    ).id;
    tn.complaint = (
      await ok(await t.request('POST', `/v1/bill_payments/${tn.billPayment}/complaints`, { key: tn.key, body: { reason: 'other' } }))
    ).id;
    tn.savedBiller = (
      await ok(
        await t.request('POST', '/v1/saved_billers', {
          key: tn.key,
          body: { customer: tn.customer, biller: tn.biller, account_number: propertyUnits.threeMonths, nickname: 'Home' },
        }),
      )
    ).id;
  }

  async function signIn(tn: Tenant) {
    const res = await t.request('POST', '/v1/dashboard_sessions', { body: { secret_key: tn.key } });
    expect(res.status).toBe(201);
    const cookies = res.headers['set-cookie'] as string[];
    tn.session = /hutong_session=([^;]+)/.exec(cookies.join('\n'))?.[1] as string;
    tn.csrf = res.body.csrf_token;
  }

  beforeAll(async () => {
    await tenant(A, 'A', '11010519491231002X', 'DE89370400440532013000');
    await tenant(B, 'B', '440301199001011234', 'GB82WEST12345698765432');
    // The window closes, settlement runs: a statement with lines and a payout for each.
    t.clock.advance(2 * 86_400_000);
    const run = await t.request('POST', '/v1/operator/settlement_runs', { key: t.operatorKey, body: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    for (const tn of [A, B]) {
      const statements = await ok(await t.request('GET', '/v1/settlements', { key: tn.key }), 200);
      tn.statement = statements.data[0].id;
      tn.payout = (await ok(await t.request('GET', '/v1/payouts', { key: tn.key }), 200)).data[0].id;
      expect(t.hutong.services.fx.loadEcbXml(ecbRates(t.clock.now()))).toMatchObject({ loaded: 5 });
      tn.quote = (
        await ok(
          await t.request('POST', '/v1/fx/quotes', {
            key: tn.key,
            headers: { 'idempotency-key': 'tenancy-quote' },
            body: { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 1_000 },
          }),
        )
      ).id;
      const checkout = await ok(
        await t.request('POST', '/v1/checkout_sessions', {
          key: tn.key,
          body: { amount: 3_000, currency: 'CNY', merchant_order_id: `${tn === A ? 'A' : 'B'}-open`, expires_in: 600 },
        }),
      );
      tn.openPayment = checkout.payment.id;
      tn.checkoutToken = (checkout.url as string).split('/checkout/')[1] as string;
      await signIn(tn);
    }
  });

  /** A's id for a path parameter, by the collection it follows. */
  function pathFor(route: string, of: Tenant): string {
    const path = route.split(' ')[1] as string;
    return path.replace(/\/([a-z_]+)\/:(\w+)/g, (_all, collection: string, param: string) => {
      const ids: Record<string, string> = {
        payments: of.cardPayment,
        refunds: of.refund,
        escrows: of.trade,
        escrow: of.trade,
        quotes: of.quote,
        customers: of.customer,
        settlements: of.statement,
        payouts: of.payout,
        collection_codes: of.collectionCode,
        collection_code_payments: of.codePayment,
        scans: of.scan,
        webhook_endpoints: of.webhook,
        events: of.event,
        transfers: of.transfer,
        customs_declarations: of.declaration,
        merchants: of.id,
        bills: of.bill,
        bill_payments: of.billPayment,
        bill_complaints: of.complaint,
        billers: of.biller,
        export_trades: of.exportPayment,
        // The cashier token is the credential of its page; a made-up one must find nothing.
        checkout: 'cs_madeUpTokenThatNobodyWasGiven0000000000',
        api_keys: 'key_none',
        logins: 'login_none',
        netting_windows: 'cw_none',
        exceptions: 'rex_none',
        channels: 'alipay_sandbox',
        assets: 'none.js',
        saved_billers: of.savedBiller,
        test_clocks: of.testClock,
      };
      return `/${collection}/${ids[collection] ?? `unknown-${param}`}`;
    });
  }

  /** A plausible body per route, so a request reaches the ownership check instead of failing validation. */
  function bodyFor(route: string, me: Tenant, other: Tenant): unknown {
    const bodies: Record<string, unknown> = {
      'POST /v1/payments/:id/confirm': { payment_method: { type: 'wallet', customer: me.customer } },
      'POST /v1/payments/:id/presentment': { quote: me.quote },
      'POST /v1/customers/:id/top_ups': { amount: 100, currency: 'CNY' },
      'POST /v1/customers/:id/withdrawals': { amount: 100, currency: 'CNY' },
      'POST /v1/customers/:id/verifications': { level: 'id', name: '张伟', id_number: '110101199003074514' },
      'POST /v1/escrows/:id/ship': { carrier: 'SF Express', waybill_number: 'SF1' },
      'POST /v1/test_helpers/test_clocks': { frozen_time: '2026-01-01T00:00:00Z' },
      'POST /v1/test_helpers/test_clocks/:id/advance': { frozen_time: '2026-02-01T00:00:00Z' },
      'POST /v1/escrows/:id/extend': { days: 1 },
      'POST /v1/escrows/:id/refuse_refund': { reason: 'no' },
      'POST /v1/escrows/:id/arbitrate': { decision: 'refund' },
      'POST /v1/buyer/escrows/:id/refund_request': { reason: 'not_received' },
      // Creations that name another tenant's objects.
      'POST /v1/payments': { amount: 100, currency: 'CNY', merchant_order_id: `x-${++seq}`, customer: other.customer },
      'POST /v1/refunds': { payment: other.cardPayment, amount: 100 },
      'POST /v1/checkout_sessions': { payment: other.openPayment },
      'POST /v1/escrows': {
        amount: 100,
        currency: 'CNY',
        merchant_order_id: `x-${++seq}`,
        goods_type: 'virtual',
        customer: other.customer,
      },
      'POST /v1/transfers': { source: other.customer, destination: me.id, amount: 100, currency: 'CNY' },
      'POST /v1/customs_declarations': {
        payment: other.importPayment,
        customs_office: '0101',
        order_no: `x-${++seq}`,
        payer: { name: other.customerName, id_type: 'resident_id', id_number: other.idNumber },
      },
      'POST /v1/customs/registrations': { customs_office: '0102', ebp_code: '1101230009', ebp_name: 'New' },
      'POST /v1/customers': { name: 'New' },
      'POST /v1/webhook_endpoints': { url: 'https://new.example/h', enabled_events: ['*'] },
      'POST /v1/bank_accounts': { currency: 'CNY', holder_name: 'New', iban: me.iban },
      'POST /v1/fx/quotes': { sell_currency: 'USD', buy_currency: 'CNY', sell_amount: 2_000 },
      'POST /v1/merchants': { name: 'Evil', country: 'CN', settlement_currency: 'CNY' },
      'POST /v1/operator/settlement_runs': {},
      'POST /v1/operator/chargebacks': { payment: other.cardPayment, amount: 100, reference: 'cb-1' },
      'POST /v1/bills': { biller: other.biller, account_number: propertyUnits.oneMonth, customer: other.customer },
      'POST /v1/bill_payments': { customer: other.customer, biller: other.biller, bill: other.bill, amount: 100, currency: 'CNY' },
      'POST /v1/bill_payments/:id/complaints': { reason: 'other' },
      'POST /v1/bill_complaints/:id/resolve': { resolution: 'no' },
      'POST /v1/billers/:id/reconciliations': { date: '2026-03-01' },
      'POST /v1/saved_billers': { customer: other.customer, biller: other.biller, account_number: propertyUnits.oneMonth },
      'POST /v1/customs/export_trades': { payment: other.cardPayment, order_no: `x-${++seq}` },
      'POST /v1/customs/export_trades/:payment/shipment': { carrier: 'SF', waybill_no: 'SF-X', destination_country: 'GB' },
    };
    return bodies[route] ?? (route.startsWith('POST') ? {} : undefined);
  }

  const queryFor = (route: string) =>
    route === 'GET /v1/payments/:id/presentment_options' ? '?bin=621234' : route === 'GET /v1/billers/:id/report' ? '?date=2026-03-01' : '';

  /** What must never reach another tenant: A's ids, names, account numbers and identity. */
  function markersOf(tn: Tenant): string[] {
    return [
      tn.id,
      tn.name,
      tn.customer,
      tn.customerName,
      tn.cardPayment,
      tn.openPayment,
      tn.importPayment,
      tn.declaration,
      tn.refund,
      tn.trade,
      tn.unpaidTrade,
      tn.quote,
      tn.webhook,
      tn.transfer,
      tn.event,
      tn.bankAccount,
      tn.iban,
      tn.statement,
      tn.payout,
      tn.collectionCode,
      tn.codePayment,
      tn.scan,
      tn.idNumber,
      tn.checkoutToken,
      tn.session,
      tn.csrf,
      tn.bill,
      tn.billPayment,
      tn.complaint,
      tn.savedBiller,
    ];
  }

  type Credential = { name: string; headers: Record<string, string> };
  const credentialsOf = (tn: Tenant): Credential[] => [
    { name: 'secret key', headers: { authorization: `Bearer ${tn.key}` } },
    { name: 'dashboard cookie', headers: { cookie: `hutong_session=${tn.session}; hutong_csrf=${tn.csrf}`, 'x-csrf-token': tn.csrf } },
    { name: 'checkout token', headers: { authorization: `Bearer ${tn.checkoutToken}` } },
    { name: 'buyer token', headers: { 'hutong-buyer-token': tn.tradeToken } },
  ];

  async function call(route: string, path: string, credential: Credential, body: unknown) {
    const method = route.split(' ')[0] as string;
    const headers: Record<string, string> = { ...credential.headers, 'idempotency-key': `probe-${++seq}` };
    const res = await t.hutong.server.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, text: res.body, headers: res.headers };
  }

  function leaks(text: string, path: string, of: Tenant, body?: unknown): string[] {
    let scrubbed = text;
    // A "not found" answer may repeat the id the caller itself sent in the URL or body.
    for (const part of [...path.split(/[/?&=]/), ...Object.values((body ?? {}) as Record<string, unknown>).map(String)])
      if (part.length > 6) scrubbed = scrubbed.split(part).join('');
    return markersOf(of).filter((m) => m !== undefined && m !== '' && scrubbed.includes(m));
  }

  it('every registered route is classified (a new route must declare who may call it)', () => {
    const routes = registeredRoutes(t.hutong.server.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(100);
    expect(
      routes.filter((r) => routeKinds[r] === undefined),
      'unclassified routes: add them to routeKinds',
    ).toEqual([]);
    expect(
      Object.keys(routeKinds).filter((r) => !routes.includes(r)),
      'classified routes that no longer exist',
    ).toEqual([]);
  });

  it("A's own credentials reach every one of A's objects (so the probes below name real objects)", async () => {
    const own = credentialsOf(A)[0] as Credential;
    for (const [route, kind] of Object.entries(routeKinds)) {
      if (kind !== 'merchant' || !route.startsWith('GET')) continue;
      const res = await call(route, pathFor(route, A) + queryFor(route), own, undefined);
      seenByA.push(res.text);
      expect([route, res.status], res.text).toEqual([route, 200]);
    }
  });

  it("B's key, cookie, cashier token and buyer token can neither read, list, export nor act on A's objects", async () => {
    const before = await snapshot(A);
    const failures: string[] = [];
    for (const [route, kind] of Object.entries(routeKinds)) {
      const path = pathFor(route, A) + queryFor(route);
      const namesA = path !== route.split(' ')[1];
      for (const credential of credentialsOf(B)) {
        const body = bodyFor(route, B, A);
        const res = await call(route, path, credential, body);
        const leaked = leaks(res.text, path, A, body);
        // Signing out ends B's own browser session: sign in again so the next probes use a live cookie.
        if (route === 'DELETE /v1/dashboard_sessions/current' && credential.name === 'dashboard cookie') await signIn(B);
        if (leaked.length > 0) failures.push(`${route} with B's ${credential.name}: ${res.status} shows ${leaked.join(', ')}`);
        const refused = res.status >= 400 && res.status < 500;
        // Operator routes refuse every merchant credential; routes naming A's objects refuse B.
        if (kind === 'operator' && !refused) failures.push(`${route} with B's ${credential.name}: ${res.status}, expected a refusal`);
        if (kind === 'merchant' && namesA && !refused) failures.push(`${route} with B's ${credential.name} on A's object: ${res.status}`);
        // Another merchant's object answers 404 (or a validation 400), never 403 or 409: existence does not leak.
        if (
          kind === 'merchant' &&
          namesA &&
          (credential.name === 'secret key' || credential.name === 'dashboard cookie') &&
          res.status !== 404 &&
          res.status !== 400
        )
          failures.push(`${route} with B's ${credential.name} on A's object: ${res.status}, expected 404`);
        // The probe itself: B's cookie stays signed in throughout.
        if (credential.name === 'dashboard cookie' && res.status === 401) failures.push(`${route}: B's cookie was not signed in`);
        // A cashier token or a buyer token is no merchant credential, whatever the route names.
        if (kind === 'merchant' && (credential.name === 'checkout token' || credential.name === 'buyer token') && !refused)
          failures.push(`${route} with B's ${credential.name}: ${res.status}`);
        // Creations that name A's objects in their body.
        if (kind === 'merchant' && namesOther.has(route) && !refused)
          failures.push(`${route} with B's ${credential.name} naming A's objects: ${res.status} ${res.text.slice(0, 200)}`);
        // Public buyer routes with B's buyer token (or anything else) on A's trade.
        if (kind === 'public' && route.includes('/buyer/escrows/') && res.status < 400)
          failures.push(`${route} with B's ${credential.name}: ${res.status}`);
        if (kind === 'public' && route === 'GET /escrow/:id' && res.status !== 404)
          failures.push(`${route} with B's ${credential.name}: ${res.status}`);
      }
    }
    // The probe signed B's own browser out (DELETE /v1/dashboard_sessions/current): sign in again.
    await signIn(B);
    expect(failures).toEqual([]);
    expect(await snapshot(A)).toEqual(before);
  });

  /** Creations whose probe body names the other tenant's objects. */
  const namesOther = new Set([
    'POST /v1/payments',
    'POST /v1/refunds',
    'POST /v1/checkout_sessions',
    'POST /v1/escrows',
    'POST /v1/transfers',
    'POST /v1/customs_declarations',
    'POST /v1/bills',
    'POST /v1/bill_payments',
  ]);

  /** A's objects as A sees them: compared before and after B's attempts. */
  async function snapshot(tn: Tenant) {
    const paths = [
      `/v1/payments/${tn.cardPayment}`,
      `/v1/payments/${tn.openPayment}`,
      `/v1/refunds/${tn.refund}`,
      `/v1/escrows/${tn.trade}`,
      `/v1/escrows/${tn.unpaidTrade}`,
      `/v1/customers/${tn.customer}/balances`,
      `/v1/webhook_endpoints/${tn.webhook}`,
      '/v1/bank_accounts',
      `/v1/payouts/${tn.payout}`,
      `/v1/settlements/${tn.statement}`,
      `/v1/fx/quotes/${tn.quote}`,
      `/v1/customs_declarations/${tn.declaration}`,
      '/v1/api_keys',
      '/v1/balance',
      '/v1/settlement_schedule',
      `/v1/bill_payments/${tn.billPayment}`,
      `/v1/bills/${tn.bill}`,
      `/v1/bill_complaints/${tn.complaint}`,
    ];
    const out: Record<string, unknown> = {};
    for (const path of paths) out[path] = (await t.request('GET', path, { key: tn.key })).body;
    return out;
  }

  it("lists and CSV exports with B's key hold only B's objects", async () => {
    const lists = [
      '/v1/payments',
      '/v1/refunds',
      '/v1/customers',
      '/v1/transfers',
      '/v1/escrows',
      '/v1/events?limit=100',
      '/v1/webhook_endpoints',
      '/v1/settlements',
      '/v1/payouts',
      '/v1/bank_accounts',
      '/v1/fx/records',
      '/v1/fx/records.csv',
      '/v1/customs_declarations',
      `/v1/settlements/${B.statement}/lines`,
      `/v1/settlements/${B.statement}/lines.csv`,
      '/v1/bill_payments',
    ];
    for (const path of lists) {
      const res = await t.hutong.server.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${B.key}` } });
      expect(res.statusCode, `${path} ${res.body}`).toBe(200);
      expect(leaks(res.body, '', A), path).toEqual([]);
      // B's own data is there: the list is not empty by accident.
      expect(
        markersOf(B).some((m) => res.body.includes(m)),
        `${path} shows B's objects`,
      ).toBe(true);
    }
  });

  it("filters naming A's objects find nothing for B; B's objects are B's own even under the same Idempotency-Keys", async () => {
    for (const path of [
      `/v1/refunds?payment=${A.cardPayment}`,
      `/v1/events?object_id=${A.trade}`,
      `/v1/events?object_id=${A.cardPayment}`,
      '/v1/payments?merchant_order_id=A-card',
      `/v1/payments?customer=${A.customer}`,
    ]) {
      const res = await t.hutong.server.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${B.key}` } });
      expect(res.statusCode, `${path} ${res.body}`).toBeLessThan(500);
      expect(leaks(res.body, path, A), path).toEqual([]);
      if (res.statusCode === 200) expect(JSON.parse(res.body).data, path).toEqual([]);
    }
    // Both tenants were set up with the same Idempotency-Keys: every object is its own.
    const kinds = [
      'customer',
      'cardPayment',
      'refund',
      'importPayment',
      'trade',
      'quote',
      'webhook',
      'transfer',
      'bankAccount',
      'statement',
      'payout',
    ] as const;
    for (const kind of kinds) expect(A[kind], kind).not.toBe(B[kind]);
  });

  it("B's own requests cannot name A's quote, customer, card or merchant", async () => {
    const aCard = (
      await t.hutong.services.store.reader
        .selectFrom('payments')
        .select('card_id')
        .where('id', '=', A.cardPayment)
        .executeTakeFirstOrThrow()
    ).card_id as string;
    const bOpen = await ok(
      await t.request('POST', '/v1/payments', { key: B.key, body: { amount: 1_000, currency: 'CNY', merchant_order_id: 'B-cross' } }),
    );
    const probes: [string, string, unknown][] = [
      ['POST', `/v1/payments/${bOpen.id}/presentment`, { quote: A.quote }],
      ['POST', `/v1/payments/${bOpen.id}/confirm`, { payment_method: { type: 'wallet', customer: A.customer } }],
      ['POST', `/v1/payments/${bOpen.id}/confirm`, { payment_method: { type: 'card', card_id: aCard } }],
      ['POST', '/v1/payments', { amount: 1_000, currency: 'USD', merchant_order_id: 'B-cross-2', fx_quote: A.quote }],
      ['POST', '/v1/checkout_sessions', { amount: 1_000, currency: 'CNY', merchant_order_id: 'B-cross-3', customer: A.customer }],
      ['POST', '/v1/transfers', { source: B.customer, destination: A.id, amount: 100, currency: 'CNY' }],
      ['POST', '/v1/transfers', { source: B.customer, destination: A.customer, amount: 100, currency: 'CNY' }],
    ];
    const aBalances = (await t.request('GET', `/v1/customers/${A.customer}/balances`, { key: A.key })).body;
    for (const [method, path, body] of probes) {
      const res = await t.request(method, path, { key: B.key, body });
      expect([path, res.status >= 400 && res.status < 500], JSON.stringify(res.body)).toEqual([path, true]);
      expect(
        leaks(JSON.stringify(res.body), path, A, { ...(body as object), ...((body as { payment_method?: object }).payment_method ?? {}) }),
        path,
      ).toEqual([]);
    }
    expect((await t.request('GET', `/v1/customers/${A.customer}/balances`, { key: A.key })).body).toEqual(aBalances);
    expect((await t.request('GET', `/v1/payments/${bOpen.id}`, { key: B.key })).body.status).toBe('requires_payment_method');
  });

  it('operator-only routes and /v1/operator/* refuse merchant keys and merchant cookies with 403', async () => {
    for (const [route, kind] of Object.entries(routeKinds)) {
      if (kind !== 'operator') continue;
      for (const credential of credentialsOf(B).slice(0, 2)) {
        const res = await call(route, pathFor(route, A), credential, bodyFor(route, B, A));
        expect([route, credential.name, res.status]).toEqual([route, credential.name, 403]);
      }
    }
  });

  it('buyer tokens of one trade fail on another, also on a replayed Idempotency-Key', async () => {
    // A's buyer asks for a refund; the same request with B's token (or none valid) must not replay A's answer.
    const asked = await t.request('POST', `/v1/buyer/escrows/${A.trade}/refund_request`, {
      headers: { 'hutong-buyer-token': A.tradeToken, 'idempotency-key': 'buyer-refund-1' },
      body: { reason: 'not_received' },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    for (const token of [B.tradeToken, `${A.tradeToken.split('.')[0]}.${'A'.repeat(43)}`, A.unpaidTradeToken]) {
      const replay = await t.request('POST', `/v1/buyer/escrows/${A.trade}/refund_request`, {
        headers: { 'hutong-buyer-token': token, 'idempotency-key': 'buyer-refund-1' },
        body: { reason: 'not_received' },
      });
      expect(replay.status, JSON.stringify(replay.body)).toBe(403);
      expect(replay.headers['idempotent-replayed']).toBeUndefined();
    }
    // A's own token on A's other trade, and B's token everywhere on A's side.
    expect((await t.request('GET', `/v1/buyer/escrows/${A.unpaidTrade}?token=${encodeURIComponent(A.tradeToken)}`)).status).toBe(403);
    expect((await t.request('GET', `/v1/buyer/escrows/${A.trade}?token=${encodeURIComponent(B.tradeToken)}`)).status).toBe(403);
    // The buyer page: by link token or by the cookie it sets, another trade's token shows nothing.
    expect(
      (await t.hutong.server.inject({ method: 'GET', url: `/escrow/${A.trade}?token=${encodeURIComponent(B.tradeToken)}` })).statusCode,
    ).toBe(404);
    const byCookie = await t.hutong.server.inject({
      method: 'GET',
      url: `/escrow/${A.trade}`,
      headers: { cookie: `hutong_buyer=${B.tradeToken}` },
    });
    expect(byCookie.statusCode).toBe(404);
    expect(leaks(byCookie.body, '', A)).toEqual([]);
    expect(
      (await t.hutong.server.inject({ method: 'GET', url: `/escrow/${B.trade}`, headers: { cookie: `hutong_buyer=${B.tradeToken}` } }))
        .statusCode,
    ).toBe(200);
    expect((await t.request('GET', `/v1/buyer/escrows/${A.trade}`, { headers: { 'hutong-buyer-token': A.tradeToken } })).status).toBe(200);
    const withdrawn = await t.request('POST', `/v1/buyer/escrows/${A.trade}/withdraw_refund_request`, {
      headers: { 'hutong-buyer-token': A.tradeToken, 'idempotency-key': 'buyer-withdraw-1' },
    });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
  });

  it("confirming someone else's trade fails: receipt with another trade's token, or with a merchant key", async () => {
    const attempts: Record<string, string>[] = [
      { 'hutong-buyer-token': B.tradeToken },
      { authorization: `Bearer ${B.key}` },
      { authorization: `Bearer ${A.key}` },
    ];
    for (const headers of attempts) {
      const res = await t.request('POST', `/v1/buyer/escrows/${A.trade}/confirm_receipt`, { headers });
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await t.request('GET', `/v1/escrows/${A.trade}`, { key: A.key })).body.status).toBe('held');
  });

  it("the dashboard refuses unsafe requests without the session's CSRF token", async () => {
    const cookie = `hutong_session=${B.session}; hutong_csrf=${B.csrf}`;
    for (const csrf of [undefined, '', 'wrong', A.csrf]) {
      const headers: Record<string, string> = { cookie, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) };
      const res = await t.request('POST', `/v1/escrows/${B.trade}/extend`, { headers, body: { days: 1 } });
      expect([csrf, res.status, res.body.code]).toEqual([csrf, 403, 'csrf_token_invalid']);
      const out = await t.request('DELETE', '/v1/dashboard_sessions/current', { headers });
      expect(out.status).toBe(403);
    }
    // Reads need no token; with it, the same write goes through.
    expect((await t.request('GET', `/v1/escrows/${B.trade}`, { headers: { cookie } })).status).toBe(200);
    const shipped = await t.request('POST', `/v1/escrows/${B.trade}/ship`, {
      headers: { cookie, 'x-csrf-token': B.csrf },
      body: { carrier: 'SF Express', waybill_number: 'SF100' },
    });
    expect([shipped.status, shipped.body.status]).toEqual([200, 'shipped']);
  });

  it('pages send a Content-Security-Policy without inline script', async () => {
    for (const path of [
      '/dashboard/login',
      '/ops/login',
      `/checkout/${B.checkoutToken}`,
      `/escrow/${B.trade}?token=${encodeURIComponent(B.tradeToken)}`,
    ]) {
      const res = await t.hutong.server.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp, path).toMatch(/default-src 'self'|default-src 'none'/);
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(/script-src[^;]*'unsafe-inline'/.test(csp), path).toBe(false);
      // The cashier's and the buyer's URLs carry tokens: no Referer takes them elsewhere.
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });

  it('ID numbers never appear in clear in FX records (JSON, CSV for merchant and operator) or in the store', async () => {
    for (const [path, key] of [
      ['/v1/fx/records', A.key],
      ['/v1/fx/records.csv', A.key],
      ['/v1/fx/records.csv', t.operatorKey],
      [`/v1/customers/${A.customer}`, A.key],
    ] as const) {
      const res = await t.hutong.server.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
      seenByA.push(res.body);
      if (path.includes('/fx/records')) expect(res.body).toContain(A.importPayment);
      for (const n of [A.idNumber, B.idNumber]) expect(res.body, path).not.toContain(n);
    }
    const dump = await storeDump();
    for (const n of [A.idNumber, B.idNumber]) expect(dump.filter((d) => d.text.includes(n)).map((d) => d.table)).toEqual([]);
    // Nor as an unkeyed hash (guessable like a card number): the idempotency digest keeps the last four only.
    const order = (idNumber: string) => ({
      amount: 1,
      currency: 'CNY',
      customer: 'cus_1',
      import_order: { payer_name: 'Li', id_type: 'resident_id', id_number: idNumber },
    });
    expect(requestDigest('POST', '/v1/payments', {}, order(A.idNumber))).toBe(
      requestDigest('POST', '/v1/payments', {}, order(`${'0'.repeat(14)}${A.idNumber.slice(-4)}`)),
    );
    expect(requestDigest('POST', '/v1/payments', {}, order(A.idNumber))).not.toBe(
      requestDigest('POST', '/v1/payments', {}, order(B.idNumber)),
    );
    const customer = (number: string) => ({ name: 'Li', identity: { type: 'resident_id', number } });
    expect(requestDigest('POST', '/v1/customers', {}, customer(A.idNumber))).toBe(
      requestDigest('POST', '/v1/customers', {}, customer(`${'0'.repeat(14)}${A.idNumber.slice(-4)}`)),
    );
  });

  it('no response, CSV export or stored row holds a full card number or the CVC', async () => {
    const csv = await t.hutong.server.inject({
      method: 'GET',
      url: `/v1/settlements/${A.statement}/lines.csv`,
      headers: { authorization: `Bearer ${A.key}` },
    });
    seenByA.push(csv.body);
    const detail = await t.request('GET', `/v1/payments/${A.cardPayment}`, { key: A.key });
    expect(detail.body.payment_method.card.last4).toBe(pan.slice(-4));
    expect(seenByA.length).toBeGreaterThan(40);
    for (const text of seenByA) {
      expect(text).not.toContain(pan);
      expect(text).not.toMatch(/"cvc"|"cvv"/i);
    }
    const dump = await storeDump();
    expect(dump.filter((d) => d.text.includes(pan)).map((d) => d.table)).toEqual([]);
    expect(dump.filter((d) => d.values.includes(cvc)).map((d) => d.table)).toEqual([]);
  });

  it('an escrow created again under its Idempotency-Key is the same trade with the same buyer link', async () => {
    const body = { amount: 4_000, currency: 'CNY', merchant_order_id: 'B-escrow-retry', goods_type: 'virtual' };
    const first = await ok(await t.request('POST', '/v1/escrows', { key: B.key, headers: { 'idempotency-key': 'escrow-retry' }, body }));
    const again = await ok(await t.request('POST', '/v1/escrows', { key: B.key, headers: { 'idempotency-key': 'escrow-retry' }, body }));
    expect([again.id, again.payment]).toEqual([first.id, first.payment]);
    // The merchant's answer carries no buyer link (issue 12); the trade, hence its link, is the same.
    expect(first).not.toHaveProperty('buyer_token');
    const other = await t.request('POST', '/v1/escrows', {
      key: B.key,
      headers: { 'idempotency-key': 'escrow-retry' },
      body: { ...body, amount: 4_001 },
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('secrets are kept hashed: no stored row holds a key, a session, a cashier or a buyer token in clear', async () => {
    const dump = await storeDump();
    for (const tn of [A, B]) {
      for (const [name, secret] of Object.entries({
        key: tn.key,
        session: tn.session,
        checkout: tn.checkoutToken,
        buyer: tn.tradeToken.split('.')[1] as string,
        unpaidBuyer: tn.unpaidTradeToken.split('.')[1] as string,
      })) {
        expect([name, dump.filter((d) => d.text.includes(secret)).map((d) => d.table)]).toEqual([name, []]);
      }
    }
  });

  async function storeDump(): Promise<{ table: string; text: string; values: unknown[] }[]> {
    const { reader } = t.hutong.services.store;
    const out: { table: string; text: string; values: unknown[] }[] = [];
    for (const table of await reader.introspection.getTables()) {
      const rows = await reader
        .selectFrom(table.name as 'payments')
        .selectAll()
        .execute();
      for (const row of rows) {
        const values = Object.values(row as Record<string, unknown>).map((v) =>
          v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
        );
        out.push({ table: table.name, text: JSON.stringify(values, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)), values });
      }
    }
    return out;
  }

  it("the cashier token pays only from its own payment's customer wallet, never another customer's", async () => {
    const other = await t.makeCustomer(B.key, 'Someone Else');
    await ok(await t.request('POST', `/v1/customers/${other}/top_ups`, { key: B.key, body: { amount: 100_000, currency: 'CNY' } }));
    const before = (await t.request('GET', `/v1/customers/${other}/balances`, { key: B.key })).body;
    const withCustomer = await ok(
      await t.request('POST', '/v1/checkout_sessions', {
        key: B.key,
        body: { amount: 2_000, currency: 'CNY', merchant_order_id: 'B-wallet-open', customer: B.customer },
      }),
    );
    const token2 = (withCustomer.url as string).split('/checkout/')[1] as string;
    for (const [token, payment] of [
      [B.checkoutToken, B.openPayment],
      [token2, withCustomer.payment.id as string],
    ] as const) {
      const res = await t.request('POST', `/v1/payments/${payment}/confirm`, {
        headers: { authorization: `Bearer ${token}` },
        body: { payment_method: { type: 'wallet', customer: other } },
      });
      expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
    }
    expect((await t.request('GET', `/v1/customers/${other}/balances`, { key: B.key })).body).toEqual(before);
    // Nor a card stored with the merchant (the card of B's earlier payment), which needs no CVC.
    const storedCard = (
      await t.hutong.services.store.reader
        .selectFrom('payments')
        .select('card_id')
        .where('id', '=', B.cardPayment)
        .executeTakeFirstOrThrow()
    ).card_id as string;
    const stored = await t.request('POST', `/v1/payments/${B.openPayment}/confirm`, {
      headers: { authorization: `Bearer ${B.checkoutToken}` },
      body: { payment_method: { type: 'card', card_id: storedCard } },
    });
    expect([stored.status, stored.body.code]).toEqual([403, 'forbidden']);
    const own = await t.request('POST', `/v1/payments/${withCustomer.payment.id}/confirm`, {
      headers: { authorization: `Bearer ${token2}` },
      body: { payment_method: { type: 'wallet', customer: B.customer } },
    });
    expect([own.status, own.body.status]).toEqual([200, 'succeeded']);
  });

  it('the cashier token is scoped to its payment and expires', async () => {
    const token = { authorization: `Bearer ${B.checkoutToken}` };
    expect((await t.request('GET', `/v1/payments/${B.openPayment}`, { headers: token })).status).toBe(200);
    for (const path of [`/v1/payments/${B.cardPayment}`, `/v1/payments/${A.openPayment}`, '/v1/payments', `/v1/escrows/${B.trade}`])
      expect((await t.request('GET', path, { headers: token })).status, path).toBe(403);
    const session = (
      await t.hutong.services.store.reader
        .selectFrom('checkout_sessions')
        .select('expires_at')
        .where('payment_id', '=', B.openPayment)
        .executeTakeFirstOrThrow()
    ).expires_at;
    t.clock.set(new Date(Date.parse(session) + 1));
    const expired = await t.request('GET', `/v1/payments/${B.openPayment}`, { headers: token });
    expect([expired.status, expired.body.code]).toEqual([404, 'checkout_session_not_found']);
    expect((await t.hutong.server.inject({ method: 'GET', url: `/checkout/${B.checkoutToken}` })).statusCode).toBe(404);
    // The dashboard session ends after its time too.
    const cookie = `hutong_session=${B.session}; hutong_csrf=${B.csrf}`;
    expect((await t.request('GET', '/v1/escrows', { headers: { cookie } })).status).toBe(200);
    t.clock.advance(8 * 3_600_000 + 1);
    expect((await t.request('GET', '/v1/escrows', { headers: { cookie } })).status).toBe(401);
    expect((await t.hutong.server.inject({ method: 'GET', url: '/dashboard', headers: { cookie } })).statusCode).toBe(303);
  });
});

it('request logs of the cashier carry neither its token nor the card number or CVC', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const fresh = await freshStore('sqlite');
  const fixture = {} as CardWorldFixture;
  const channels = await cardWorldChannels(fixture)();
  const hutong = await createHutong(testConfig(fresh.store), {
    clock: new ManualClock(new Date('2026-03-01T08:00:00Z')),
    logger: pino({ level: 'info', redact: { paths: redactPaths, censor: '[redacted]' } }, sink),
    vaultKey: randomBytes(32),
    channels,
  });
  try {
    const operatorKey = (await hutong.services.parties.ensureOperatorKey(undefined)).generated as string;
    const inject = async (method: 'GET' | 'POST', url: string, key?: string, payload?: object) =>
      JSON.parse(
        (
          await hutong.server.inject({
            method,
            url,
            headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
            ...(payload === undefined ? {} : { payload }),
          })
        ).body || 'null',
      );
    const merchant = await inject('POST', '/v1/merchants', operatorKey, { name: 'Log shop', country: 'CN', settlement_currency: 'CNY' });
    const session = await inject('POST', '/v1/checkout_sessions', merchant.api_key.secret_key, {
      amount: 1_000,
      currency: 'CNY',
      merchant_order_id: 'log-1',
    });
    const token = (session.url as string).split('/checkout/')[1] as string;
    expect((await hutong.server.inject({ method: 'GET', url: `/checkout/${token}` })).statusCode).toBe(200);
    await hutong.server.inject({ method: 'GET', url: `/checkout/${token}/qr.svg` });
    const paid = await inject('POST', `/v1/payments/${session.payment.id}/confirm`, token, {
      payment_method: { type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030, cvc } },
    });
    expect(paid.status).toBe('succeeded');
    const text = lines.join('');
    expect(text).toContain('/checkout/[redacted]');
    expect(text).not.toContain(token.slice(3));
    expect(text).not.toContain(pan);
    expect(text).not.toMatch(new RegExp(`"cvc":"?${cvc}`));
  } finally {
    await hutong.close();
    await channels.close();
    await fresh.drop();
  }
});
