import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWalletWorld, walletProfiles, type WalletName } from '../sandbox/wallets/index.js';
import { createHutong, type Hutong } from '../src/app.js';
import { createWalletConnector, parseEmvPayload, fieldValue } from '../src/channels/wallets/index.js';
import { ManualClock, systemClock } from '../src/core/clock.js';
import { verifyLedger } from '../src/ledger/index.js';
import type { WalletConnectorPort } from '../src/payments/index.js';
import { freePort } from './support/process.js';
import { describeEachStore, freshStore, testConfig } from './support/stores.js';

/**
 * Outside wallets end to end: Hutong listens on a real port because the sandbox wallets call it
 * back with signed notifications, as the real ones would.
 */
describeEachStore('payments with outside wallets', (dialect) => {
  let hutong: Hutong;
  let world: Awaited<ReturnType<typeof startWalletWorld>>;
  let drop: () => Promise<void>;
  let key: string;
  let order = 0;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    const fresh = await freshStore(dialect);
    drop = fresh.drop;
    world = await startWalletWorld({ port: 0, notifyRetryDelayMs: 50 });
    const connectors = new Map<string, WalletConnectorPort>();
    for (const name of ['alipay_sandbox', 'wechat_sandbox', 'quickpass_sandbox'] as WalletName[]) {
      connectors.set(
        name,
        createWalletConnector(name, { baseUrl: world.baseUrl, key: walletProfiles[name].keyDefault, clock: systemClock }),
      );
    }
    const port = await freePort();
    hutong = await createHutong(
      { ...testConfig(fresh.store), publicBaseUrl: `http://127.0.0.1:${port}` },
      { clock, logger: false, vaultKey: randomBytes(32), wallets: { wallet: (name) => connectors.get(name) } },
    );
    await hutong.server.listen({ port, host: '127.0.0.1' });
    const merchant = await hutong.services.parties.createMerchant({ name: 'Tea House', country: 'CN', settlementCurrency: 'CNY' });
    if ('failure' in merchant) throw new Error(merchant.detail);
    key = merchant.secretKey as string;
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

  async function waiting(wallet: WalletName, amount = 8_800) {
    const created = await api('POST', '/v1/payments', {
      amount,
      currency: 'CNY',
      merchant_order_id: `w-${++order}`,
      description: 'Longjing tea',
    });
    const confirmed = await api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'external_wallet', wallet } });
    expect(confirmed.body, JSON.stringify(confirmed.body)).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'redirect_to_url' },
    });
    const detail = await api('GET', `/v1/payments/${created.body.id}`);
    return {
      id: created.body.id as string,
      qr: confirmed.body.next_action.qr_code as string,
      orderId: detail.body.attempts[0].id as string,
    };
  }

  for (const wallet of ['alipay_sandbox', 'wechat_sandbox', 'quickpass_sandbox'] as WalletName[]) {
    it(`${wallet}: shows an EMV QR code, settles on the signed notification, once`, async () => {
      const { id, qr, orderId } = await waiting(wallet);
      const fields = parseEmvPayload(qr);
      expect(fields).toBeDefined();
      expect(fieldValue(fields!, '54')).toBe('88.00');
      expect(fieldValue(fields!, '53')).toBe('156');
      await world.pay(wallet, orderId);
      await world.settled();
      const paid = await api('GET', `/v1/payments/${id}`);
      expect(paid.body).toMatchObject({
        status: 'succeeded',
        amount_captured: 8_800,
        fee: 53,
        channel: wallet,
        payment_method: { type: 'external_wallet' },
      });
      expect(world.order(wallet, orderId)!.notification.acknowledged).toBe(true);
      // A refund goes back through the wallet.
      const refund = await api('POST', '/v1/refunds', { payment: id, amount: 800 });
      expect(refund.body, JSON.stringify(refund.body)).toMatchObject({ status: 'succeeded', amount: 800 });
      expect(String(world.order(wallet, orderId)!.refundedMinor)).toBe('800');
      // The refund carries the wallet's own refund number, and the refund message is one of the attempts.
      expect(refund.body.channel_reference).toMatch(/^R\d{20}$/);
      const attempts = (await api('GET', `/v1/payments/${id}`)).body.attempts as {
        kind: string;
        status: string;
        reference: string;
        channel: string;
        amount: number;
      }[];
      expect(attempts.map((a) => [a.kind, a.status])).toEqual([
        ['purchase', 'approved'],
        ['refund', 'approved'],
      ]);
      expect(attempts[1]).toMatchObject({ channel: wallet, amount: 800, reference: refund.body.channel_reference });
      // A second refund is sent for the paid order (not the first refund's attempt) and listed too.
      const again = await api('POST', '/v1/refunds', { payment: id, amount: 100 });
      expect(again.body).toMatchObject({ status: 'succeeded', amount: 100 });
      expect(again.body.channel_reference).not.toBe(refund.body.channel_reference);
      expect(String(world.order(wallet, orderId)!.refundedMinor)).toBe('900');
      const detail = await api('GET', `/v1/payments/${id}`);
      expect(detail.body.attempts.filter((a: { kind: string }) => a.kind === 'refund')).toHaveLength(2);
    });
  }

  it('an amount too long for the QR code (EMV field 54, 13 characters) is a 400 before any wallet is called', async () => {
    const created = await api('POST', '/v1/payments', { amount: 1_000_000_000_000, currency: 'CNY', merchant_order_id: `w-${++order}` });
    expect(created.status).toBe(201);
    const confirmed = await api('POST', `/v1/payments/${created.body.id}/confirm`, {
      payment_method: { type: 'external_wallet', wallet: 'alipay_sandbox' },
    });
    expect([confirmed.status, confirmed.body.code]).toEqual([400, 'amount_too_large']);
    const detail = await api('GET', `/v1/payments/${created.body.id}`);
    expect(detail.body).toMatchObject({ status: 'requires_payment_method', attempts: [] });
    // 13 characters exactly still fits.
    const fits = await api('POST', '/v1/payments', { amount: 999_999_999_999, currency: 'CNY', merchant_order_id: `w-${++order}` });
    const ok = await api('POST', `/v1/payments/${fits.body.id}/confirm`, {
      payment_method: { type: 'external_wallet', wallet: 'alipay_sandbox' },
    });
    expect(ok.body, JSON.stringify(ok.body)).toMatchObject({ status: 'requires_action' });
    expect(fieldValue(parseEmvPayload(ok.body.next_action.qr_code)!, '54')).toBe('9999999999.99');
  });

  it("the QR code names the paying merchant: tags 59/60/58 from its profile (romanised), not the wallet's constant", async () => {
    const made = await hutong.services.parties.createMerchant({
      name: '西湖龙井茶庄',
      country: 'CN',
      settlementCurrency: 'CNY',
      city: '杭州',
    });
    if ('failure' in made) throw new Error(made.detail);
    const other = await hutong.services.parties.createMerchant({
      name: 'Kowloon Dim Sum & Tea Company Ltd',
      country: 'HK',
      settlementCurrency: 'CNY',
      city: 'Kowloon City District',
    });
    if ('failure' in other) throw new Error(other.detail);
    const qrOf = async (secret: string) => {
      const call = (method: 'POST', url: string, payload: object) =>
        hutong.server.inject({ method, url, headers: { authorization: `Bearer ${secret}` }, payload }).then((r) => r.json());
      const created = await call('POST', '/v1/payments', { amount: 1_200, currency: 'CNY', merchant_order_id: `qr-${++order}` });
      const confirmed = await call('POST', `/v1/payments/${created.id}/confirm`, {
        payment_method: { type: 'external_wallet', wallet: 'alipay_sandbox' },
      });
      const fields = parseEmvPayload(confirmed.next_action.qr_code as string);
      if (fields === undefined) throw new Error('not an EMV payload');
      return ['58', '59', '60'].map((tag) => fieldValue(fields, tag));
    };
    expect(await qrOf(made.secretKey as string)).toEqual(['CN', 'XI HU LONG JING CHA ZHUAN', 'HANG ZHOU']);
    expect(await qrOf(other.secretKey as string)).toEqual(['HK', 'KOWLOON DIM SUM & TEA COM', 'KOWLOON CITY DI']);
    // A merchant without a city keeps the wallet's own; its name is still its own.
    expect((await qrOf(key)).slice(0, 2)).toEqual(['CN', 'TEA HOUSE']);
  });

  it('queries the wallet when its notification never comes', async () => {
    const { id, orderId } = await waiting('wechat_sandbox', 1_000);
    await world.pay('wechat_sandbox', orderId, { notify: false });
    expect((await api('GET', `/v1/payments/${id}`)).body.status).toBe('requires_action');
    // The sweep only asks about orders older than its grace period.
    expect((await hutong.services.payments.sweeper.runOnce()).walletsSettled).toBe(0);
    clock.advance(60_000);
    expect((await hutong.services.payments.sweeper.runOnce()).walletsSettled).toBe(1);
    expect((await api('GET', `/v1/payments/${id}`)).body.status).toBe('succeeded');
    expect((await verifyLedger(hutong.services.store.reader)).ok).toBe(true);
  });

  it('refuses a tampered or unsigned notification and changes nothing', async () => {
    const { id, orderId } = await waiting('quickpass_sandbox', 2_000);
    const forged = JSON.stringify({
      orderId,
      walletOrderId: 'x',
      status: 'paid',
      amountMinor: '2000',
      currency: 'CNY',
      paidAt: new Date().toISOString(),
      txnTime: new Date().toISOString(),
      signature: 'AAAA',
    });
    const res = await hutong.server.inject({
      method: 'POST',
      url: '/v1/channels/quickpass_sandbox/notifications',
      payload: forged,
      headers: { 'content-type': 'application/json' },
    });
    expect([res.statusCode, res.json().code]).toEqual([400, 'wallet_notification_invalid']);
    const unknown = await hutong.server.inject({
      method: 'POST',
      url: '/v1/channels/nowallet/notifications',
      payload: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(unknown.statusCode).toBe(400);
    expect((await api('GET', `/v1/payments/${id}`)).body.status).toBe('requires_action');
  });
});
