import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWalletWorld, walletProfiles, type WalletName } from '../sandbox/wallets/index.js';
import { createHutong, type Hutong } from '../src/app.js';
import { createWalletConnector } from '../src/channels/wallets/index.js';
import { ManualClock, systemClock } from '../src/core/clock.js';
import { accountIdFor, chart, verifyLedger } from '../src/ledger/index.js';
import type { WalletConnectorPort } from '../src/payments/index.js';
import { freePort } from './support/process.js';
import { describeEachStore, freshStore, testConfig } from './support/stores.js';

/** An import order paid with an outside CNY wallet to a merchant that settles in USD. */
describeEachStore('cross-border import paid with an outside wallet', (dialect) => {
  let hutong: Hutong;
  let world: Awaited<ReturnType<typeof startWalletWorld>>;
  let drop: () => Promise<void>;
  let key: string;
  let merchantId: string;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    world = await startWalletWorld({ port: 0, notifyRetryDelayMs: 50 });
    const connectors = new Map<string, WalletConnectorPort>();
    for (const name of ['alipay_sandbox'] as WalletName[])
      connectors.set(
        name,
        createWalletConnector(name, { baseUrl: world.baseUrl, key: walletProfiles[name].keyDefault, clock: systemClock }),
      );
    const port = await freePort();
    hutong = await createHutong(
      { ...testConfig(fresh.store), publicBaseUrl: `http://127.0.0.1:${port}` },
      {
        clock,
        logger: false,
        vaultKey: randomBytes(32),
        wallets: { wallet: (name) => connectors.get(name) },
        fx: { convertToSettlement: true },
      },
    );
    await hutong.server.listen({ port, host: '127.0.0.1' });
    const at = clock.now().toISOString();
    expect(hutong.services.fx.loadCsv(`base,currency,rate,as_of\nEUR,USD,1.0850,${at}\nEUR,CNY,7.8500,${at}\n`)).toMatchObject({
      loaded: 2,
    });
    const merchant = await hutong.services.parties.createMerchant({ name: 'Northwind', country: 'US', settlementCurrency: 'USD' });
    if ('failure' in merchant) throw new Error(merchant.detail);
    key = merchant.secretKey as string;
    merchantId = merchant.merchant.id;
  });
  afterAll(async () => {
    await hutong?.close();
    await world?.close();
    await drop();
  });

  async function api(method: string, url: string, body?: unknown) {
    const res = await hutong.server.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.json() };
  }

  it('checks the payer, charges CNY in the wallet, credits USD at the locked rate, refunds in CNY', async () => {
    const customer = await api('POST', '/v1/customers', {
      name: 'Li Lei',
      identity: { type: 'resident_id', number: '11010519491231002X' },
    });
    const created = await api('POST', '/v1/payments', {
      amount: 128_800,
      currency: 'CNY',
      merchant_order_id: 'nw-1',
      customer: customer.body.id,
      import_order: { payer_name: 'Li Lei', id_type: 'resident_id', id_number: '11010519491231002X' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const confirmed = await api('POST', `/v1/payments/${created.body.id}/confirm`, {
      payment_method: { type: 'external_wallet', wallet: 'alipay_sandbox' },
    });
    expect(confirmed.body, JSON.stringify(confirmed.body)).toMatchObject({ status: 'requires_action', fx_rate: '0.1375254776' });
    const detail = await api('GET', `/v1/payments/${created.body.id}`);
    await world.pay('alipay_sandbox', detail.body.attempts[0].id);
    await world.settled();
    const paid = await api('GET', `/v1/payments/${created.body.id}`);
    // 1.085 / 7.85 = 0.1382165605 mid, less 50 bps → 0.1375254776 (down); CNY 1,288.00 → USD 177.13
    expect(paid.body).toMatchObject({ status: 'succeeded', settlement_currency: 'USD', settlement_amount: 17_713, fee: 106 });
    const pending = await hutong.services.ledger.getAccount(
      hutong.services.store.reader,
      accountIdFor(chart.merchantPending(merchantId, 'USD')),
    );
    expect(pending!.creditsPosted - pending!.debitsPosted).toBe(17_713n - 106n);
    const refund = await api('POST', '/v1/refunds', { payment: created.body.id });
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: 128_800, currency: 'CNY' });
    const after = await hutong.services.ledger.getAccount(
      hutong.services.store.reader,
      accountIdFor(chart.merchantPending(merchantId, 'USD')),
    );
    expect(after!.creditsPosted - after!.debitsPosted).toBe(0n);
    expect((await api('GET', `/v1/customers/${customer.body.id}/import_allowance`)).body).toMatchObject({ used_cny: 0 });
    expect((await verifyLedger(hutong.services.store.reader)).ok).toBe(true);
  });
});
