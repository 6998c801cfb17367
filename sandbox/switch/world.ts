import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson, sendText } from '../shared/http.js';
import { readMerchantCode } from './emv.js';
import { routeMerchantCode, sandboxParticipants, type SwitchParticipant } from './participants.js';
import { sign, verify } from './signing.js';

/**
 * The sandbox interconnection switch (docs/interop.md): UnionPay's QR network in miniature.
 * Participants' phone apps scan merchant-presented codes here (`POST /apps/{participant}/scan`);
 * the switch routes each code to its institution by template GUID or UnionPay tag 15/16, asks it
 * for the order (signed `qr_order`), debits the app's user, tells the institution (signed
 * `qr_paid`, retried until acknowledged), and books the pair for end-of-day clearing
 * (`GET /clearing/{participant}?date=YYYY-MM-DD`, a CSV file per participant).
 */
export interface SwitchOptions {
  readonly port?: number;
  readonly hutongUrl?: string;
  readonly hutongKey?: string;
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Each app user starts with this many minor units (CNY). */
  readonly userBalanceMinor?: bigint;
}

export interface SandboxSwitch {
  readonly url: string;
  readonly port: number;
  /** Notifications not yet acknowledged by their institution. */
  pendingNotifications(): number;
  /** Points the switch at Hutong once Hutong listens (tests start the switch first). */
  setHutongUrl(url: string): void;
  close(): Promise<void>;
}

interface Booking {
  readonly reference: string;
  readonly date: string;
  readonly payer: string;
  readonly payee: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly orderId: string;
  notified: boolean;
}

export const switchHutongKeyDefault = 'hutong-sandbox-switch-key-not-for-production';
const notifyAttemptsMax = 5;
const notifyRetryMs = 200;

export async function startSwitch(options: SwitchOptions = {}): Promise<SandboxSwitch> {
  const now = options.now ?? Date.now;
  let participants = sandboxParticipants(options.hutongUrl, options.hutongKey ?? switchHutongKeyDefault);
  const balances = new Map<string, bigint>();
  const bookings: Booking[] = [];
  let sequence = 0;

  async function call(
    participant: SwitchParticipant,
    message: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, string> }> {
    const body = JSON.stringify(message);
    const response = await fetch(`${participant.url}/v1/interop/switch/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'switch-signature': sign(participant.key, body, now()) },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    const text = await response.text();
    if (response.status === 200 && !verify(participant.key, text, response.headers.get('switch-signature'), now())) {
      throw new Error(`${participant.id} answered without a valid signature`);
    }
    return { status: response.status, body: JSON.parse(text) as Record<string, string> };
  }

  async function notify(booking: Booking): Promise<void> {
    const payee = participants.find((p) => p.id === booking.payee) as SwitchParticipant;
    for (let attempt = 1; attempt <= notifyAttemptsMax && !booking.notified; attempt++) {
      try {
        const message = { message_type: 'qr_paid', switch_reference: booking.reference, order_id: booking.orderId };
        const answer = await call(payee, { ...message, currency: booking.currency, amount: booking.amountMinor.toString() });
        if (answer.status === 200 && answer.body.status === 'paid') booking.notified = true;
        else if (answer.status >= 400 && answer.status < 500) return; // refused for good: left for the clearing exception list
      } catch {
        await new Promise((resolve) => setTimeout(resolve, notifyRetryMs * attempt));
      }
    }
  }

  async function scan(payerId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const payer = participants.find((p) => p.id === payerId && p.id !== 'hutong');
    if (payer === undefined) return sendJson(response, 404, { code: 'participant_unknown' });
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    let input: { payload?: unknown; amount?: unknown; user?: unknown };
    try {
      input = JSON.parse(raw.toString('utf8')) as typeof input;
    } catch {
      return sendJson(response, 400, { code: 'json_invalid' });
    }
    if (typeof input.payload !== 'string' || typeof input.user !== 'string')
      return sendJson(response, 400, { code: 'payload_and_user_required' });
    if (input.amount !== undefined && (typeof input.amount !== 'number' || !Number.isSafeInteger(input.amount) || input.amount <= 0))
      return sendJson(response, 400, { code: 'amount_invalid' });
    const code = readMerchantCode(input.payload);
    if (typeof code === 'string') return sendJson(response, 422, { code: 'code_invalid', reason: code });
    const payee = routeMerchantCode(code, participants);
    if (payee === undefined) return sendJson(response, 422, { code: 'institution_unknown' });
    if (payee.url === undefined) {
      // A sandbox wallet the switch plays itself: its merchant takes the code's amount (or the typed one).
      const amountMinor =
        code.amount === undefined ? (input.amount === undefined ? undefined : BigInt(input.amount)) : minorOf(code.amount);
      if (amountMinor === undefined) return sendJson(response, 422, { code: 'declined', reason: 'amount_required' });
      const key = `${payer.id}/${input.user}`;
      const balance = balances.get(key) ?? options.userBalanceMinor ?? 1_000_000n;
      if (balance < amountMinor) return sendJson(response, 422, { code: 'insufficient_balance' });
      balances.set(key, balance - amountMinor);
      const booking = book(payer.id, payee.id, currencyOf(code.currency), amountMinor);
      return sendJson(response, 200, {
        status: 'paid',
        switch_reference: booking.reference,
        merchant_name: code.merchantName,
        currency: booking.currency,
        amount: Number(amountMinor),
        notified: true,
      });
    }
    const reference = nextReference();
    const order = await call(payee, {
      message_type: 'qr_order',
      switch_reference: reference,
      payer_institution: payer.id,
      payload: input.payload,
      currency: currencyOf(code.currency),
      ...(input.amount === undefined ? {} : { amount: String(input.amount) }),
    }).catch(() => undefined);
    if (order === undefined) return sendJson(response, 504, { code: 'institution_timeout', institution: payee.id });
    if (order.status !== 200)
      return sendJson(response, 422, { code: 'declined', institution: payee.id, reason: order.body.code ?? 'unknown' });
    const amountMinor = BigInt(order.body.amount as string);
    const key = `${payer.id}/${input.user}`;
    const balance = balances.get(key) ?? options.userBalanceMinor ?? 1_000_000n;
    if (balance < amountMinor) return sendJson(response, 422, { code: 'insufficient_balance' });
    balances.set(key, balance - amountMinor);
    const booking: Booking = {
      reference,
      date: new Date(now()).toISOString().slice(0, 10),
      payer: payer.id,
      payee: payee.id,
      currency: order.body.currency as string,
      amountMinor,
      orderId: order.body.order_id as string,
      notified: false,
    };
    bookings.push(booking);
    await notify(booking);
    sendJson(response, 200, {
      status: 'paid',
      switch_reference: reference,
      order_id: booking.orderId,
      merchant_name: order.body.merchant_name,
      currency: booking.currency,
      amount: Number(amountMinor),
      notified: booking.notified,
      balance: Number(balance - amountMinor),
    });
  }

  /**
   * A participant's merchant took a consumer payment code at its till: route it by the prefix table
   * to the issuing institution and ask it to charge. A timeout is retried with the same switch
   * reference (the issuer answers a replay with the first result), so the shopper is never charged twice.
   */
  async function charge(payeeId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const payee = participants.find((p) => p.id === payeeId && p.id !== 'hutong');
    if (payee === undefined) return sendJson(response, 404, { code: 'participant_unknown' });
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    let input: { payment_code?: unknown; amount?: unknown; currency?: unknown };
    try {
      input = JSON.parse(raw.toString('utf8')) as typeof input;
    } catch {
      return sendJson(response, 400, { code: 'json_invalid' });
    }
    if (
      typeof input.payment_code !== 'string' ||
      typeof input.amount !== 'number' ||
      !Number.isSafeInteger(input.amount) ||
      input.amount <= 0
    )
      return sendJson(response, 400, { code: 'payment_code_and_amount_required' });
    const currency = typeof input.currency === 'string' ? input.currency : 'CNY';
    const payer = participants.find((p) => p.paymentCodePattern.test(input.payment_code as string));
    if (payer === undefined) return sendJson(response, 422, { code: 'institution_unknown' });
    if (payer.url === undefined) return sendJson(response, 422, { code: 'institution_offline', institution: payer.id });
    const reference = nextReference();
    const message = {
      message_type: 'code_charge',
      switch_reference: reference,
      payee_institution: payee.id,
      payment_code: input.payment_code,
      currency,
      amount: String(input.amount),
    };
    let answer: { status: number; body: Record<string, string> } | undefined;
    for (let attempt = 1; attempt <= notifyAttemptsMax && (answer === undefined || answer.status >= 500); attempt++) {
      answer = await call(payer, message).catch(() => undefined);
    }
    if (answer === undefined)
      return sendJson(response, 504, { code: 'institution_timeout', institution: payer.id, switch_reference: reference });
    if (answer.status !== 200)
      return sendJson(response, 422, { code: 'declined', institution: payer.id, reason: answer.body.code ?? 'unknown' });
    const amountMinor = BigInt(answer.body.amount as string);
    const day = new Date(now()).toISOString().slice(0, 10);
    bookings.push({ reference, date: day, payer: payer.id, payee: payee.id, currency, amountMinor, orderId: reference, notified: true });
    sendJson(response, 200, {
      status: 'paid',
      switch_reference: reference,
      payer_institution: payer.id,
      currency,
      amount: Number(amountMinor),
    });
  }

  function book(payer: string, payee: string, currency: string, amountMinor: bigint): Booking {
    const reference = nextReference();
    const booking = {
      reference,
      date: new Date(now()).toISOString().slice(0, 10),
      payer,
      payee,
      currency,
      amountMinor,
      orderId: reference,
      notified: true,
    };
    bookings.push(booking);
    return booking;
  }

  /**
   * Hutong's own app pays a code (POST /participants/hutong/pay, signed by Hutong): the switch routes
   * it like any app's scan; Hutong has already held the amount on its user's wallet.
   */
  async function hutongPays(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hutong = participants.find((p) => p.id === 'hutong') as SwitchParticipant;
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    const text = raw.toString('utf8');
    const header = request.headers['switch-signature'];
    if (!verify(hutong.key, text, typeof header === 'string' ? header : null, now()))
      return sendJson(response, 401, { code: 'signature_invalid' });
    const input = JSON.parse(text) as { scan_id: string; payload: string; currency: string; amount: string };
    const code = readMerchantCode(input.payload);
    if (typeof code === 'string') return sendJson(response, 422, { code: 'code_invalid', reason: code });
    const payee = routeMerchantCode(code, participants);
    if (payee === undefined) return sendJson(response, 422, { code: 'institution_unknown' });
    const amountMinor = BigInt(input.amount);
    const answer = (status: number, body: Record<string, unknown>) => {
      const json = JSON.stringify(body);
      sendText(response, status, 'application/json', json, { 'switch-signature': sign(hutong.key, json, now()) });
    };
    if (payee.url === undefined) {
      if (code.amount !== undefined && minorOf(code.amount) !== amountMinor)
        return answer(422, { code: 'declined', reason: 'amount_mismatch' });
      const booking = book('hutong', payee.id, input.currency, amountMinor);
      return answer(200, { status: 'paid', switch_reference: booking.reference, merchant_name: code.merchantName });
    }
    // On-us: a Hutong user paying a Hutong merchant's code still goes through the switch, as any participant's would.
    const reference = nextReference();
    const order = await call(payee, {
      message_type: 'qr_order',
      switch_reference: reference,
      payer_institution: 'hutong',
      payload: input.payload,
      currency: input.currency,
      ...(code.dynamic ? {} : { amount: input.amount }),
    }).catch(() => undefined);
    if (order === undefined) return answer(504, { code: 'institution_timeout' });
    if (order.status !== 200) return answer(422, { code: 'declined', reason: order.body.code ?? 'unknown' });
    const booking: Booking = {
      reference,
      date: new Date(now()).toISOString().slice(0, 10),
      payer: 'hutong',
      payee: payee.id,
      currency: input.currency,
      amountMinor,
      orderId: order.body.order_id as string,
      notified: false,
    };
    bookings.push(booking);
    await notify(booking);
    answer(200, { status: 'paid', switch_reference: reference, merchant_name: code.merchantName });
  }

  function nextReference(): string {
    return `SW${new Date(now()).toISOString().slice(0, 10).replace(/-/g, '')}${String(++sequence).padStart(8, '0')}${process.pid % 1000}`;
  }

  /** The clearing file: one line per booking the participant is in, then its net position. */
  function clearingFile(participantId: string, date: string): string {
    const lines = ['reference,date,role,counterparty,currency,amount'];
    const net = new Map<string, bigint>();
    for (const b of bookings.filter((x) => x.date === date && (x.payer === participantId || x.payee === participantId))) {
      const payee = b.payee === participantId;
      lines.push(`${b.reference},${b.date},${payee ? 'payee' : 'payer'},${payee ? b.payer : b.payee},${b.currency},${b.amountMinor}`);
      net.set(b.currency, (net.get(b.currency) ?? 0n) + (payee ? b.amountMinor : -b.amountMinor));
    }
    for (const [currency, amount] of net) lines.push(`NET,${date},${participantId},switch,${currency},${amount}`);
    return `${lines.join('\n')}\n`;
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://switch');
    const app = /^\/apps\/([a-z_]+)\/scan$/.exec(url.pathname);
    const clearing = /^\/clearing\/([a-z_]+)$/.exec(url.pathname);
    const till = /^\/merchants\/([a-z_]+)\/charge$/.exec(url.pathname);
    if (request.method === 'POST' && app !== null) {
      scan(app[1] as string, request, response).catch((error: unknown) =>
        sendJson(response, 500, { code: 'internal', detail: String(error) }),
      );
    } else if (request.method === 'POST' && url.pathname === '/participants/hutong/pay') {
      hutongPays(request, response).catch((error: unknown) => sendJson(response, 500, { code: 'internal', detail: String(error) }));
    } else if (request.method === 'POST' && till !== null) {
      charge(till[1] as string, request, response).catch((error: unknown) =>
        sendJson(response, 500, { code: 'internal', detail: String(error) }),
      );
    } else if (request.method === 'GET' && clearing !== null) {
      const date = url.searchParams.get('date') ?? new Date(now()).toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) sendJson(response, 400, { code: 'date_invalid' });
      else sendText(response, 200, 'text/csv; charset=utf-8', clearingFile(clearing[1] as string, date));
    } else if (url.pathname === '/healthz') sendJson(response, 200, { status: 'ok' });
    else sendJson(response, 404, { code: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pendingNotifications: () => bookings.filter((b) => !b.notified).length,
    setHutongUrl: (url) => {
      participants = sandboxParticipants(url, options.hutongKey ?? switchHutongKeyDefault);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Field 54 in minor units of a 2-decimal currency (the sandbox clears CNY, HKD and USD). */
function minorOf(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
}

/** ISO 4217 numeric → alphabetic for the currencies the sandbox switch clears. */
function currencyOf(numeric: string): string {
  const known: Record<string, string> = { '156': 'CNY', '344': 'HKD', '840': 'USD' };
  return known[numeric] ?? numeric;
}
