import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWalletWorld, type WalletWorld } from '../../../sandbox/wallets/index.js';
import { ManualClock } from '../../core/clock.js';
import { isFailure } from '../../core/failure.js';
import { amount } from '../../money/index.js';
import { fieldValue, parseEmvPayload, parseTlv } from '../../protocols/emv-qr/index.js';
import { createWalletConnector, WalletConnectorError, UnknownReason, walletNames, type WalletConnector, type WalletName } from './index.js';

/** Hutong's wallet connectors against the sandbox wallets, over real HTTP both ways. */
interface Received {
  readonly path: string;
  readonly headers: Record<string, string | undefined>;
  readonly rawBody: string;
}

/** A merchant endpoint: records every notification and answers what `answerFor` says. */
class Receiver {
  readonly received: Received[] = [];
  answerFor: (path: string) => { status: number; contentType: string; body: string } = () => ({
    status: 500,
    contentType: 'text/plain',
    body: 'no',
  });
  #server: Server = createServer((request, response) => {
    void readAll(request).then((rawBody) => {
      const path = request.url ?? '/';
      this.received.push({ path, headers: request.headers as Record<string, string | undefined>, rawBody });
      const answer = this.answerFor(path);
      response.writeHead(answer.status, { 'content-type': answer.contentType });
      response.end(answer.body);
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }
}

function readAll(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const keys: Record<WalletName, string> = {
  alipay_sandbox: 'connector-test-alipay-key-0123',
  wechat_sandbox: 'connector-test-wechat-key-0123',
  quickpass_sandbox: 'connector-test-quickpass-key-0123',
};
const notifyAttemptsMax = 3;
const clock = new ManualClock(new Date('2026-03-01T08:00:00Z'));
const receiver = new Receiver();
let world: WalletWorld;
let sequence = 0;

beforeAll(async () => {
  await receiver.start();
  world = await startWalletWorld({ port: 0, keys, clock, notifyAttemptsMax, notifyRetryDelayMs: 5 });
});
afterAll(async () => {
  await world.close();
  await receiver.close();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(walletNames)('%s', (wallet) => {
  let connector: WalletConnector;
  beforeAll(() => {
    connector = createWalletConnector(wallet, { baseUrl: world.baseUrl, key: keys[wallet], clock });
    receiver.answerFor = (path) => {
      const name = path.split('/')[1] as WalletName;
      const ack = createWalletConnector(name, { baseUrl: world.baseUrl, key: keys[name], clock }).ack;
      return path.includes('nack')
        ? { status: 200, contentType: 'text/plain', body: 'received, thanks' }
        : { status: 200, contentType: ack.contentType, body: ack.body };
    };
  });

  function newOrder(overrides: { orderId?: string; minor?: bigint; notifyPath?: string; subject?: string } = {}) {
    sequence += 1;
    const orderId = overrides.orderId ?? `ord_${wallet}_${sequence}`;
    return {
      orderId,
      amount: amount(overrides.minor ?? 12_345n, 'CNY'),
      subject: overrides.subject ?? '茶具 tea set',
      notifyUrl: `${receiver.url}/${wallet}/${overrides.notifyPath ?? 'notify'}/${orderId}`,
    };
  }

  async function created(input: ReturnType<typeof newOrder>) {
    const outcome = await connector.createOrder(input);
    if (outcome.status !== 'created') throw new Error(`expected created, got ${JSON.stringify(outcome)}`);
    return outcome;
  }

  it('creates an order with an EMV QR code and a pay page; paying on the page sends a notification Hutong verifies', async () => {
    const input = newOrder();
    const order = await created(input);
    expect(order.redirectUrl).toBe(`${world.baseUrl}/${wallet}/pay/${order.walletOrderId}`);
    const qr = parseEmvPayload(order.qrCode)!;
    expect(qr).toBeDefined();
    expect(fieldValue(qr, '01')).toBe('12');
    expect(fieldValue(qr, '54')).toBe('123.45');
    expect(fieldValue(qr, '53')).toBe('156');
    expect(fieldValue(qr, '58')).toBe('CN');
    expect(parseTlv(fieldValue(qr, '26')!)?.[1]).toEqual({ id: '01', value: order.redirectUrl });

    const page = await fetch(order.redirectUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('确认支付');
    const paid = await fetch(order.redirectUrl, { method: 'POST', body: new URLSearchParams({}), redirect: 'manual' });
    expect(paid.status).toBe(200);
    await world.settled();

    const [notification] = receiver.at(new URL(input.notifyUrl).pathname);
    expect(notification).toBeDefined();
    const verified = connector.verifyNotification(notification!.rawBody, notification!.headers);
    expect(verified).toEqual({
      orderId: input.orderId,
      walletOrderId: order.walletOrderId,
      status: 'paid',
      amount: amount(12_345n, 'CNY'),
      paidAt: clock.now().toISOString(),
    });
    expect(world.order(wallet, input.orderId)?.notification).toMatchObject({ attempts: 1, acknowledged: true });
    expect(await fetch(order.redirectUrl, { method: 'POST' }).then((r) => r.status)).toBe(409);
  });

  it('refuses a tampered notification, one under another key, and a stale one', async () => {
    const input = newOrder();
    await created(input);
    await world.pay(wallet, input.orderId);
    await world.settled();
    const [notification] = receiver.at(new URL(input.notifyUrl).pathname);
    const { rawBody, headers } = notification!;
    expect(isFailure(connector.verifyNotification(rawBody, headers))).toBe(false);

    const tampered = rawBody.replace('12345', '12346');
    expect(tampered).not.toBe(rawBody);
    expect(connector.verifyNotification(tampered, headers)).toMatchObject({ failure: WalletConnectorError.NotificationInvalid });
    const otherKey = createWalletConnector(wallet, { baseUrl: world.baseUrl, key: 'someone-elses-key-0123456789', clock });
    expect(otherKey.verifyNotification(rawBody, headers)).toMatchObject({ failure: 'wallet_notification_invalid' });
    expect(connector.verifyNotification('', {})).toMatchObject({ failure: 'wallet_notification_invalid' });

    const later = new ManualClock(new Date(clock.now().getTime() + 6 * 60_000));
    const stale = createWalletConnector(wallet, { baseUrl: world.baseUrl, key: keys[wallet], clock: later });
    expect(stale.verifyNotification(rawBody, headers)).toMatchObject({ failure: 'wallet_notification_invalid' });
  });

  it(`retries a notification that is not acknowledged, ${notifyAttemptsMax} times at most`, async () => {
    const input = newOrder({ notifyPath: 'nack' });
    await created(input);
    await world.pay(wallet, input.orderId);
    await world.settled();
    const deliveries = receiver.at(new URL(input.notifyUrl).pathname);
    expect(deliveries).toHaveLength(notifyAttemptsMax);
    for (const delivery of deliveries) expect(isFailure(connector.verifyNotification(delivery.rawBody, delivery.headers))).toBe(false);
    expect(world.order(wallet, input.orderId)?.notification).toMatchObject({ attempts: notifyAttemptsMax, acknowledged: false });
  });

  it('finds a payment that was never notified by querying', async () => {
    const input = newOrder();
    const order = await created(input);
    expect(await connector.query(input.orderId)).toEqual({ status: 'pending', walletOrderId: order.walletOrderId, amount: input.amount });
    await world.pay(wallet, input.orderId, { notify: false });
    await world.settled();
    expect(receiver.at(new URL(input.notifyUrl).pathname)).toHaveLength(0);
    expect(await connector.query(input.orderId)).toEqual({
      status: 'paid',
      walletOrderId: order.walletOrderId,
      amount: input.amount,
      paidAt: clock.now().toISOString(),
    });
    expect(await connector.query(`${input.orderId}_unknown`)).toEqual({
      status: 'unavailable',
      reason: UnknownReason.NotFound,
    });
  });

  it('refunds in part, refuses to refund more than was paid, and answers a repeated refund id the same', async () => {
    const input = newOrder({ minor: 10_000n });
    await created(input);
    expect(await connector.refund({ orderId: input.orderId, refundId: `rf_${input.orderId}_0`, amount: amount(100n, 'CNY') })).toEqual({
      status: 'failed',
      reason: 'order_not_paid',
    });
    await world.pay(wallet, input.orderId, { notify: false });
    const first = { orderId: input.orderId, refundId: `rf_${input.orderId}_1`, amount: amount(6_000n, 'CNY') };
    // The wallet names its refund (issue 12); a repeated refund id gets the same refund back.
    const refunded = await connector.refund(first);
    expect(refunded).toEqual({ status: 'succeeded', walletRefundId: expect.stringMatching(/^R\d{20}$/) });
    expect(await connector.refund(first)).toEqual(refunded);
    expect(world.order(wallet, input.orderId)?.refundedMinor).toBe('6000');
    const over = { orderId: input.orderId, refundId: `rf_${input.orderId}_2`, amount: amount(4_001n, 'CNY') };
    expect(await connector.refund(over)).toEqual({ status: 'failed', reason: 'refund_exceeds_paid_amount' });
    expect(await connector.refund({ ...first, amount: amount(1n, 'CNY') })).toEqual({ status: 'failed', reason: 'refund_conflict' });
    const rest = await connector.refund({ ...over, refundId: `rf_${input.orderId}_3`, amount: amount(4_000n, 'CNY') });
    expect(rest).toEqual({ status: 'succeeded', walletRefundId: expect.stringMatching(/^R\d{20}$/) });
    expect(rest).not.toEqual(refunded);
    expect(world.order(wallet, input.orderId)?.refundedMinor).toBe('10000');
  });

  it('creates idempotently: the same order again is the same answer, other content is a conflict', async () => {
    const input = newOrder();
    const first = await created(input);
    expect(await connector.createOrder(input)).toEqual(first);
    expect(await connector.createOrder({ ...input, amount: amount(1n, 'CNY') })).toEqual({
      status: 'unavailable',
      reason: UnknownReason.Conflict,
    });
  });

  it('reports an unreachable or mis-keyed wallet as unavailable, a refund as unknown, never throws', async () => {
    const port = await closedPort();
    const down = createWalletConnector(wallet, { baseUrl: `http://127.0.0.1:${port}`, key: keys[wallet], clock, timeoutMs: 1_000 });
    expect(await down.createOrder(newOrder())).toEqual({ status: 'unavailable', reason: UnknownReason.NotSent });
    expect(await down.query('ord_x')).toEqual({ status: 'unavailable', reason: UnknownReason.NotSent });
    expect(await down.refund({ orderId: 'ord_x', refundId: 'rf_x', amount: amount(1n, 'CNY') })).toEqual({
      status: 'unknown',
      reason: UnknownReason.NotSent,
    });
    // With the wrong key the wallet refuses (401) and its signed refusal does not verify either.
    const wrongKey = createWalletConnector(wallet, { baseUrl: world.baseUrl, key: 'not-the-wallet-key-0123456789', clock });
    expect(await wrongKey.createOrder(newOrder())).toEqual({ status: 'unavailable', reason: UnknownReason.SignatureInvalid });
  });
});

describe('timeouts', () => {
  it('gives up on a wallet that does not answer within timeoutMs', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const connector = createWalletConnector('wechat_sandbox', { baseUrl, key: keys.wechat_sandbox, clock, timeoutMs: 100 });
    expect(await connector.query('ord_silent')).toEqual({ status: 'unavailable', reason: UnknownReason.Timeout });
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
