import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldValue, parseEmvPayload } from '../../src/protocols/emv-qr/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { startWalletWorld, walletProfiles, type WalletName, type WalletWorld } from './index.js';

/**
 * The sandbox wallets over real HTTP, without Hutong's connector: every request here is signed by
 * hand from README.md, so the documented conventions (not just the two implementations) are tested.
 */
const keys: Record<WalletName, string> = {
  alipay_sandbox: 'world-test-alipay-key-0123456',
  wechat_sandbox: 'world-test-wechat-key-0123456',
  quickpass_sandbox: 'world-test-quickpass-key-0123',
};
const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
let world: WalletWorld;
let sequence = 0;

// A merchant endpoint that fails its first `failFirst` deliveries per path, then acknowledges.
const hits = new Map<string, number>();
let failFirst = 0;
let notifyServer: Server;
let notifyBase = '';

beforeAll(async () => {
  notifyServer = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = request.url ?? '/';
      const count = (hits.get(path) ?? 0) + 1;
      hits.set(path, count);
      const wallet = path.split('/')[1];
      if (count <= failFirst) return void response.writeHead(503).end(wallet === 'alipay_sandbox' ? 'success' : '{"code":"SUCCESS"}');
      const body = wallet === 'alipay_sandbox' ? 'success' : wallet === 'wechat_sandbox' ? '{"code":"SUCCESS"}' : '{"respCode":"00"}';
      response.writeHead(200).end(body);
    });
  });
  await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
  notifyBase = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}`;
  world = await startWalletWorld({ port: 0, keys, clock, notifyAttemptsMax: 4, notifyRetryDelayMs: 5, ordersMax: 50 });
});
afterAll(async () => {
  await world.close();
  await new Promise<void>((resolve) => notifyServer.close(() => resolve()));
});

const mac = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('base64');
const sortedJson = (fields: Record<string, string>) =>
  `{${Object.keys(fields)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(fields[k])}`)
    .join(',')}}`;

/** Signs a request by hand, as README.md says. */
function signed(
  wallet: WalletName,
  method: 'GET' | 'POST',
  path: string,
  fields: Record<string, string>,
  key = keys[wallet],
  at = clock.now(),
) {
  if (wallet === 'alipay_sandbox') {
    const all: Record<string, string> = { ...fields, timestamp: at.toISOString(), sign_type: 'HMAC-SHA256' };
    const text = Object.keys(all)
      .filter((k) => all[k] !== '')
      .sort()
      .map((k) => `${k}=${all[k]}`)
      .join('&');
    const form = new URLSearchParams({ ...all, sign: mac(key, text) }).toString();
    return method === 'GET'
      ? { path: `${path}?${form}`, headers: {} }
      : { path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form };
  }
  if (wallet === 'quickpass_sandbox') {
    const all = { ...fields, txnTime: at.toISOString() };
    const withSignature = { ...all, signature: mac(key, sortedJson(all)) };
    if (method === 'GET') return { path: `${path}?${new URLSearchParams(withSignature).toString()}`, headers: {} };
    return { path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(withSignature) };
  }
  const body = method === 'GET' ? '' : JSON.stringify(fields);
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const nonce = `n${++sequence}`;
  const headers: Record<string, string> = {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': mac(key, `${method}\n${path}\n${timestamp}\n${nonce}\n${body}\n`),
  };
  if (method === 'POST') headers['content-type'] = 'application/json';
  return { path, headers, ...(method === 'POST' ? { body } : {}) };
}

/** Reads a signed answer and checks its signature by hand. */
async function call(wallet: WalletName, method: 'GET' | 'POST', path: string, fields: Record<string, string>, key?: string, at?: Date) {
  const request = signed(wallet, method, path, fields, key, at);
  const response = await fetch(`${world.baseUrl}${request.path}`, { method, headers: request.headers, body: request.body });
  const text = await response.text();
  const json = JSON.parse(text) as Record<string, string>;
  if (wallet === 'alipay_sandbox') {
    const rest = Object.keys(json)
      .filter((k) => k !== 'sign' && json[k] !== '')
      .sort()
      .map((k) => `${k}=${json[k]}`)
      .join('&');
    expect(json.sign).toBe(mac(keys[wallet], rest));
  } else if (wallet === 'quickpass_sandbox') {
    const { signature, ...rest } = json;
    expect(signature).toBe(mac(keys[wallet], sortedJson(rest)));
  } else {
    const [ts, nonce] = [response.headers.get('wechatpay-timestamp'), response.headers.get('wechatpay-nonce')];
    expect(response.headers.get('wechatpay-signature')).toBe(mac(keys[wallet], `${ts}\n${nonce}\n${text}\n`));
  }
  return { status: response.status, json };
}

function orderFields(wallet: WalletName, overrides: Record<string, string> = {}): Record<string, string> {
  sequence += 1;
  const orderId = `ord_w_${sequence}`;
  return {
    orderId,
    amountMinor: '8800',
    currency: 'CNY',
    subject: '龙井茶 Longjing tea',
    notifyUrl: `${notifyBase}/${wallet}/${orderId}`,
    ...overrides,
  };
}

describe.each(Object.keys(keys) as WalletName[])('%s', (wallet) => {
  it('creates an order signed as README.md says, with a dynamic QR code for the amount', async () => {
    const fields = orderFields(wallet);
    const { status, json } = await call(wallet, 'POST', `/${wallet}/orders`, fields);
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json).toMatchObject({ orderId: fields.orderId, amountMinor: '8800', currency: 'CNY' });
    expect(json.walletOrderId).toMatch(new RegExp(`^20260501${walletProfiles[wallet].idCode}[0-9]{10}$`));
    expect(json.redirectUrl).toBe(`${world.baseUrl}/${wallet}/pay/${json.walletOrderId}`);
    const qr = parseEmvPayload(json.qrCode!)!;
    expect(fieldValue(qr, '26')).toBe(
      `00${String(walletProfiles[wallet].globallyUniqueId.length).padStart(2, '0')}${walletProfiles[wallet].globallyUniqueId}01${String(json.redirectUrl!.length).padStart(2, '0')}${json.redirectUrl}`,
    );
    expect(fieldValue(qr, '54')).toBe('88.00');
    expect((await call(wallet, 'POST', `/${wallet}/orders`, fields)).json.walletOrderId).toBe(json.walletOrderId);
    expect((await call(wallet, 'POST', `/${wallet}/orders`, { ...fields, subject: 'other' })).status).toBe(409);
  });

  it('refuses a wrong key, a stale time, bad amounts and other currencies', async () => {
    expect((await call(wallet, 'POST', `/${wallet}/orders`, orderFields(wallet), 'a-key-the-wallet-does-not-know')).json).toMatchObject({
      error: 'signature_invalid',
    });
    const stale = new Date(clock.now().getTime() - 6 * 60_000);
    expect((await call(wallet, 'POST', `/${wallet}/orders`, orderFields(wallet), keys[wallet], stale)).status).toBe(401);
    for (const amountMinor of ['12.5', '012', '-1', '0', '1e3', '10000000000000']) {
      expect((await call(wallet, 'POST', `/${wallet}/orders`, orderFields(wallet, { amountMinor }))).status, amountMinor).toBe(400);
    }
    expect((await call(wallet, 'POST', `/${wallet}/orders`, orderFields(wallet, { currency: 'USD' }))).json).toMatchObject({
      error: 'currency_unsupported',
    });
    const wrongType = await fetch(`${world.baseUrl}/${wallet}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(wrongType.status).toBe(415);
  });

  it('retries a notification with backoff until it is acknowledged', async () => {
    failFirst = 2;
    const fields = orderFields(wallet);
    await call(wallet, 'POST', `/${wallet}/orders`, fields);
    await world.pay(wallet, fields.orderId!);
    await world.settled();
    failFirst = 0;
    expect(hits.get(new URL(fields.notifyUrl!).pathname)).toBe(3);
    expect(world.order(wallet, fields.orderId!)?.notification).toEqual({ attempts: 3, acknowledged: true });
    const query = await call(
      wallet,
      'GET',
      `/${wallet}/orders/${fields.orderId}`,
      wallet === 'wechat_sandbox' ? {} : { orderId: fields.orderId! },
    );
    expect(query.json).toMatchObject({ status: 'paid', paidAt: clock.now().toISOString(), amountMinor: '8800' });
  });
});

describe('pay page and order life', () => {
  it('redirects to the return URL after paying on the page', async () => {
    const fields = orderFields('alipay_sandbox', { returnUrl: 'https://shop.example/done?o=1' });
    const { json } = await call('alipay_sandbox', 'POST', '/alipay_sandbox/orders', fields);
    const page = await fetch(json.redirectUrl!).then((r) => r.text());
    expect(page).toContain('id="pay"');
    expect(page).toContain('龙井茶 Longjing tea');
    expect(page).toContain('CNY 88.00');
    const paid = await fetch(json.redirectUrl!, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://shop.example/done?o=1');
    await world.settled();
    expect(world.order('alipay_sandbox', fields.orderId!)?.status).toBe('paid');
  });

  it('closes an order nobody paid within 2 hours', async () => {
    const fields = orderFields('quickpass_sandbox');
    const { json } = await call('quickpass_sandbox', 'POST', '/quickpass_sandbox/orders', fields);
    clock.advance(2 * 60 * 60_000);
    expect(
      (await call('quickpass_sandbox', 'GET', `/quickpass_sandbox/orders/${fields.orderId}`, { orderId: fields.orderId! })).json.status,
    ).toBe('closed');
    expect((await fetch(json.redirectUrl!, { method: 'POST' })).status).toBe(409);
    await expect(world.pay('quickpass_sandbox', fields.orderId!)).rejects.toThrow(/closed/);
  });

  it('refuses a query whose signed order id is not the one in the path, and answers 404 for unknown pages', async () => {
    const answer = await call('alipay_sandbox', 'GET', '/alipay_sandbox/orders/ord_a', { orderId: 'ord_b' });
    expect(answer.status).toBe(400);
    expect((await fetch(`${world.baseUrl}/alipay_sandbox/pay/99999999999999999999`)).status).toBe(404);
    expect((await fetch(`${world.baseUrl}/paypal_sandbox/orders`, { method: 'POST' })).status).toBe(404);
  });
});
