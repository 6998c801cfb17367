import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fieldCharsMax } from './emv.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import type { WalletWorldContext } from './context.js';
import { closeServer, listen, urlHost } from '../shared/http.js';
import { mediaTypeOf, readBody, redirectSeeOther, sendHtml, sendText } from './http.js';
import { snapshotOf, WalletStore, type OrderSnapshot } from './model.js';
import { Notifier } from './notifier.js';
import { createOrder, errorAnswer, payOrder, queryOrder, refreshStatus, refundOrder, walletOrderIdChars, type Answer } from './orders.js';
import { messagePage, payPage, statusPage } from './pages.js';
import { isWalletName, walletNames, walletProfiles, type WalletName } from './profiles.js';
import { signMessage, verifyRequest } from './signing.js';
import { walletBill } from './bill.js';
import type { Discrepancy } from '../shared/discrepancies.js';

/**
 * The sandbox external wallets (Alipay-like, WeChat-Pay-like, UnionPay-QuickPass-like) on one real
 * HTTP port (README.md in this folder describes the protocol). Hutong reaches them over HTTP only;
 * tests may also look inside (`order`) and pay without a browser (`pay`).
 */
export interface WalletWorldOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The HMAC-SHA256 key of each wallet (at least 16 characters); default the sandbox keys. */
  readonly keys?: Partial<Record<WalletName, string>>;
  readonly clock?: Clock;
  readonly log?: (line: string) => void;
  /**
   * Where shoppers reach this world, if not at `http://host:port`. The pay URL goes into the QR
   * code's template 26 (99 characters with the wallet's id), so this has at most 29 characters.
   */
  readonly publicBaseUrl?: string;
  readonly notifyAttemptsMax?: number;
  /** The wait before the second attempt; it doubles each time, up to `notifyRetryDelayMsMax`. */
  readonly notifyRetryDelayMs?: number;
  readonly notifyRetryDelayMsMax?: number;
  readonly notifyTimeoutMs?: number;
  readonly orderTtlMs?: number;
  readonly ordersMax?: number;
  readonly refundsMax?: number;
  readonly merchantName?: string;
  readonly merchantCity?: string;
}

export interface WalletWorld {
  readonly baseUrl: string;
  readonly port: number;
  close(): Promise<void>;
  order(wallet: WalletName, orderId: string): OrderSnapshot | undefined;
  /** Pays as a shopper would; `notify: false` pays without ever notifying (Hutong must query). */
  pay(wallet: WalletName, orderId: string, options?: { notify?: boolean }): Promise<void>;
  /** Resolves when every notification started so far was acknowledged or given up. */
  settled(): Promise<void>;
  /** The wallet's bill of a day (bill.ts), with discrepancies on purpose. */
  bill(wallet: WalletName, options: { date: string; inject?: readonly Discrepancy[] }): string;
}

export const keyCharsMin = 16;
export const notifyAttemptsMaxDefault = 5;
export const notifyRetryDelayMsDefault = 200;
export const notifyRetryDelayMsMaxDefault = 60_000;
export const notifyTimeoutMsDefault = 5_000;
/** Alipay closes an unpaid order after 2 hours by default (`timeout_express`); so does the sandbox. */
export const orderTtlMsDefault = 2 * 60 * 60_000;
export const ordersMaxDefault = 100_000;
export const requestTimeoutMs = 10_000;
const headersTimeoutMs = 5_000;
const routePattern = /^\/([a-z_]{1,32})\/(orders|refunds|pay|bill)(?:\/([A-Za-z0-9_-]{1,64}))?$/;

function keysOf(keys: Partial<Record<WalletName, string>> | undefined): Record<WalletName, string> {
  const all = {} as Record<WalletName, string>;
  for (const wallet of walletNames) {
    const key = keys?.[wallet] ?? walletProfiles[wallet].keyDefault;
    assert.ok(key.length >= keyCharsMin, `the ${wallet} key must have at least ${keyCharsMin} characters`);
    all[wallet] = key;
  }
  return all;
}

export async function startWalletWorld(options: WalletWorldOptions = {}): Promise<WalletWorld> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => undefined);
  const keys = keysOf(options.keys);
  const sequences = new Map<WalletName, number>();
  let publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '') ?? '';
  const ordersMax = options.ordersMax ?? ordersMaxDefault;
  const context: WalletWorldContext = {
    stores: Object.fromEntries(walletNames.map((w) => [w, new WalletStore(ordersMax, options.refundsMax ?? ordersMax)])) as Record<
      WalletName,
      WalletStore
    >,
    keys,
    clock,
    log,
    notifier: new Notifier({
      keys,
      clock,
      log,
      attemptsMax: options.notifyAttemptsMax ?? notifyAttemptsMaxDefault,
      retryDelayMs: options.notifyRetryDelayMs ?? notifyRetryDelayMsDefault,
      retryDelayMsMax: options.notifyRetryDelayMsMax ?? notifyRetryDelayMsMaxDefault,
      timeoutMs: options.notifyTimeoutMs ?? notifyTimeoutMsDefault,
    }),
    publicBaseUrl: () => publicBaseUrl,
    orderTtlMs: options.orderTtlMs ?? orderTtlMsDefault,
    merchantName: options.merchantName ?? 'HUTONG SANDBOX SHOP',
    merchantCity: options.merchantCity ?? 'BEIJING',
    nextSequence: (wallet) => {
      const next = (sequences.get(wallet) ?? 0) + 1;
      sequences.set(wallet, next);
      return next;
    },
  };
  const server = createServer({ requestTimeout: requestTimeoutMs, headersTimeout: headersTimeoutMs }, (request, response) => {
    route(context, request, response).catch((error: unknown) => {
      context.log(`wallets: ${request.method ?? '?'} failed: ${String(error)}`);
      if (!response.headersSent) sendText(response, 500, 'text/plain; charset=utf-8', 'the sandbox failed');
      else response.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  const baseUrl = `http://${urlHost(host)}:${port}`;
  if (publicBaseUrl === '') publicBaseUrl = baseUrl;
  assertPayUrlsFitQr(publicBaseUrl);
  log(`wallets: ${walletNames.join(', ')} listening on ${baseUrl}`);
  return {
    baseUrl,
    port,
    close: async () => {
      context.notifier.close();
      await context.notifier.settled();
      await closeServer(server);
    },
    order: (wallet, orderId) => {
      const order = context.stores[wallet].order(orderId);
      return order === undefined ? undefined : snapshotOf(order);
    },
    pay: async (wallet, orderId, payOptions) => {
      const order = context.stores[wallet].order(orderId);
      if (order === undefined) throw new Error(`${wallet} has no order ${orderId}`);
      if (payOrder(context, order, payOptions?.notify ?? true) === 'closed') throw new Error(`${wallet} order ${orderId} is closed`);
    },
    settled: () => context.notifier.settled(),
    bill: (wallet, billOptions) => walletBill(context.stores[wallet], wallet, { ...billOptions, at: clock.now() }),
  };
}

/** Every pay URL (20-digit wallet order ids) must fit template 26 beside the wallet's id. */
function assertPayUrlsFitQr(publicBaseUrl: string): void {
  for (const wallet of walletNames) {
    const templateChars =
      8 + walletProfiles[wallet].globallyUniqueId.length + `${publicBaseUrl}/${wallet}/pay/`.length + walletOrderIdChars;
    assert.ok(
      templateChars <= fieldCharsMax,
      `the base URL ${publicBaseUrl} is too long for ${wallet}'s QR codes (template 26 holds ${fieldCharsMax} characters)`,
    );
  }
}

function sendSigned(context: WalletWorldContext, response: ServerResponse, wallet: WalletName, answer: Answer): void {
  const message = signMessage(wallet, context.keys[wallet], 'answer', answer.fields, context.clock.now());
  sendText(response, answer.httpStatus, message.contentType, message.body, message.headers);
}

async function route(context: WalletWorldContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const target = request.url ?? '/';
  // The path only: the sandbox never logs query strings.
  const path = new URL(target, 'http://sandbox.invalid').pathname;
  const match = routePattern.exec(path);
  const wallet = match?.[1];
  if (match === null || wallet === undefined || !isWalletName(wallet)) {
    return sendText(response, 404, 'application/json; charset=utf-8', JSON.stringify({ error: 'not_found', detail: 'no such path' }));
  }
  const [, , resource, id] = match;
  if (resource === 'pay' && id !== undefined) return payRoute(context, wallet, id, request, response);
  // The day's bill, as a merchant downloads it (GET /<wallet>/bill?date=YYYY-MM-DD): `hutong reconcile` reads it.
  if (resource === 'bill' && id === undefined && request.method === 'GET') {
    const date = new URL(target, 'http://sandbox.invalid').searchParams.get('date') ?? context.clock.now().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return sendText(response, 400, 'text/plain', 'date is YYYY-MM-DD\n');
    return sendText(
      response,
      200,
      'text/plain; charset=utf-8',
      walletBill(context.stores[wallet], wallet, { date, at: context.clock.now() }),
    );
  }
  const method = request.method ?? '';
  const expected = resource === 'orders' && id !== undefined ? 'GET' : 'POST';
  if (method !== expected || (resource === 'refunds' && id !== undefined)) {
    return sendSigned(context, response, wallet, errorAnswer(405, 'method_not_allowed', `${expected} only`));
  }
  const body = await readBody(request);
  if (body === 'too_large') return sendSigned(context, response, wallet, errorAnswer(413, 'payload_too_large', 'the body is too large'));
  if (method === 'POST') {
    const mediaType = wallet === 'alipay_sandbox' ? 'application/x-www-form-urlencoded' : 'application/json';
    if (mediaTypeOf(request) !== mediaType)
      return sendSigned(context, response, wallet, errorAnswer(415, 'unsupported_media_type', `send ${mediaType}`));
  }
  const verified = verifyRequest(
    wallet,
    context.keys[wallet],
    { method, target, headers: request.headers, body: body.toString('utf8') },
    context.clock.now(),
  );
  if (!verified.ok) return sendSigned(context, response, wallet, errorAnswer(401, 'signature_invalid', verified.detail));
  return sendSigned(context, response, wallet, answerFor(context, wallet, resource, id, verified.fields));
}

function answerFor(
  context: WalletWorldContext,
  wallet: WalletName,
  resource: string | undefined,
  id: string | undefined,
  fields: Readonly<Record<string, string>>,
): Answer {
  if (resource === 'orders' && id === undefined) return createOrder(context, wallet, fields);
  if (resource === 'refunds') return refundOrder(context, wallet, fields);
  assert.ok(id !== undefined);
  // Alipay-like and QuickPass-like queries sign the order id in the query string: it must be this one.
  if (fields.orderId !== undefined && fields.orderId !== id)
    return errorAnswer(400, 'invalid_request', 'the signed orderId is not the one in the path');
  return queryOrder(context, wallet, id);
}

async function payRoute(
  context: WalletWorldContext,
  wallet: WalletName,
  walletOrderId: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const profile = walletProfiles[wallet];
  const order = context.stores[wallet].orderByWalletOrderId(walletOrderId);
  if (order === undefined) return sendHtml(response, 404, messagePage('No such order', '订单不存在'));
  if (request.method === 'GET') {
    refreshStatus(context, order);
    if (order.status === 'pending') return sendHtml(response, 200, payPage(profile, order));
    return sendHtml(
      response,
      409,
      statusPage(profile, order, `This order is ${order.status}.`, order.status === 'paid' ? '订单已支付' : '订单已关闭'),
    );
  }
  if (request.method !== 'POST') return sendHtml(response, 405, messagePage('Method not allowed', '不支持此方法'));
  const body = await readBody(request);
  if (body === 'too_large') return sendHtml(response, 413, messagePage('Form too large', '表单过大'));
  const result = payOrder(context, order, true);
  if (result === 'already_paid') return sendHtml(response, 409, statusPage(profile, order, 'This order is already paid.', '订单已支付'));
  if (result === 'closed') return sendHtml(response, 409, statusPage(profile, order, 'This order is closed.', '订单已关闭'));
  if (order.returnUrl !== undefined) return redirectSeeOther(response, order.returnUrl);
  return sendHtml(response, 200, statusPage(profile, order, 'Paid. You can close this page.', '支付成功'));
}
