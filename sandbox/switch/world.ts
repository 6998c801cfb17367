import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, sendJson, sendText } from '../shared/http.js';
import { readMerchantCode } from './emv.js';
import { routeMerchantCode, sandboxParticipants, type SwitchParticipant } from './participants.js';
import { sign, verify } from './signing.js';
import { openJournal } from './journal.js';
import { defaultWalletLimits, spentToday, type WalletLimits } from './limits.js';
import { createTills, type TillCharge, type IssuedCode } from './tills.js';

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
  /** The journal file that makes the switch durable (journal.ts); none: memory only. */
  readonly journalPath?: string;
  /** PBOC bar-code limits the sandbox wallets apply to their users (limits.ts). */
  readonly limits?: Partial<WalletLimits>;
}

export interface SandboxSwitch {
  readonly url: string;
  readonly port: number;
  /** Notifications not yet acknowledged by their institution. */
  pendingNotifications(): number;
  /** A sandbox wallet user's balance (minor units). */
  balanceOf(participant: string, user: string): bigint;
  /** Points the switch at Hutong once Hutong listens (tests start the switch first). */
  setHutongUrl(url: string): void;
  /**
   * Makes the switch slow (tests; 0 = at once): `order_refund` and `pay` act, then wait this long
   * before answering Hutong; `pay_act` waits before acting on a Hutong user's payment.
   */
  setAnswerDelay(action: 'order_refund' | 'pay' | 'pay_act', ms: number): void;
  close(): Promise<void>;
}

/** A refund of a payment of a participant's merchant code, given back to the payer's user (keyed `<booking>/<refund id>`). */
interface OrderRefundRecord {
  readonly status: 'succeeded' | 'failed';
  readonly reference?: string;
  readonly reason?: string;
  readonly amountMinor: bigint;
}

/** A Hutong user's payment at the switch, by Hutong's scan id. */
interface HutongPayRecord {
  readonly status: 'processing' | 'paid' | 'declined' | 'closed';
  readonly reference?: string;
  readonly merchantName?: string;
  readonly reason?: string;
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
  /** The payer's app user (sandbox wallets), and what was paid: a static code, a dynamic one, a payment code, a refund. */
  readonly user?: string;
  readonly kind?: 'static' | 'dynamic' | 'payment_code' | 'refund';
  /** Reversed the same day: left out of the clearing files. */
  voided?: boolean;
}

export const switchHutongKeyDefault = 'hutong-sandbox-switch-key-not-for-production';
const notifyAttemptsMax = 5;
const notifyRetryMs = 200;

export async function startSwitch(options: SwitchOptions = {}): Promise<SandboxSwitch> {
  const now = options.now ?? Date.now;
  let participants = sandboxParticipants(options.hutongUrl, options.hutongKey ?? switchHutongKeyDefault);
  const journal = openJournal(options.journalPath);
  const stored = journal.replay();
  const balances = (stored.get('balance') ?? new Map()) as Map<string, bigint>;
  const bookingsByRef = (stored.get('booking') ?? new Map()) as Map<string, Booking>;
  const bookings: Booking[] = [...bookingsByRef.values()];
  const codes = (stored.get('code') ?? new Map()) as Map<string, IssuedCode>;
  const charges = (stored.get('charge') ?? new Map()) as Map<string, TillCharge>;
  let sequence = Number((stored.get('sequence')?.get('n') as number | undefined) ?? 0);
  const limits: WalletLimits = { ...defaultWalletLimits, ...options.limits };
  const orderRefunds = (stored.get('order_refund') ?? new Map()) as Map<string, OrderRefundRecord>;
  const hutongPayments = (stored.get('hutong_pay') ?? new Map()) as Map<string, HutongPayRecord>;
  const answerDelayMs = new Map<string, number>();
  const setBalance = (key: string, value: bigint) => {
    balances.set(key, value);
    journal.write('balance', key, value);
  };
  const balanceOf = (key: string) => balances.get(key) ?? options.userBalanceMinor ?? 1_000_000n;
  const saveBooking = (booking: Booking) => {
    if (!bookingsByRef.has(booking.reference)) bookings.push(booking);
    bookingsByRef.set(booking.reference, booking);
    journal.write('booking', booking.reference, booking);
  };

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
        if (answer.status === 200 && answer.body.status === 'paid') {
          booking.notified = true;
          saveBooking(booking);
        } else if (answer.status >= 400 && answer.status < 500) return; // refused for good: left for the clearing exception list
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
      const refused = overLimit(payer.id, input.user, code.dynamic ? 'dynamic' : 'static', currencyOf(code.currency), amountMinor);
      if (refused !== undefined) return sendJson(response, 422, { code: 'declined', reason: refused });
      const balance = balanceOf(key);
      if (balance < amountMinor) return sendJson(response, 422, { code: 'insufficient_balance' });
      setBalance(key, balance - amountMinor);
      const booking = book(payer.id, payee.id, currencyOf(code.currency), amountMinor, {
        user: input.user,
        kind: code.dynamic ? 'dynamic' : 'static',
      });
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
    const refused = overLimit(payer.id, input.user, code.dynamic ? 'dynamic' : 'static', order.body.currency as string, amountMinor);
    if (refused !== undefined) return sendJson(response, 422, { code: 'declined', reason: refused });
    const balance = balanceOf(key);
    if (balance < amountMinor) return sendJson(response, 422, { code: 'insufficient_balance' });
    setBalance(key, balance - amountMinor);
    const booking: Booking = {
      user: input.user,
      kind: code.dynamic ? 'dynamic' : 'static',
      reference,
      date: new Date(now()).toISOString().slice(0, 10),
      payer: payer.id,
      payee: payee.id,
      currency: order.body.currency as string,
      amountMinor,
      orderId: order.body.order_id as string,
      notified: false,
    };
    saveBooking(booking);
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
   * to the issuing institution and ask it to charge (tills.ts). A timeout is retried with the same
   * switch reference (the issuer answers a replay with the first result), so the shopper is never
   * charged twice.
   */
  async function charge(payeeId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const payee = participants.find((p) => p.id === payeeId && p.id !== 'hutong');
    if (payee === undefined) return sendJson(response, 404, { code: 'participant_unknown' });
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    let input: { payment_code?: unknown; amount?: unknown; currency?: unknown; order_reference?: unknown };
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
    const orderReference = typeof input.order_reference === 'string' ? input.order_reference : `till${nextReference()}`;
    const result = await tills.charge(payee.id, orderReference, input.payment_code, currency, BigInt(input.amount));
    if (result.status === 'paid')
      return sendJson(response, 200, {
        status: 'paid',
        switch_reference: result.switchReference,
        payer_institution: result.payer,
        currency,
        amount: Number(result.amountMinor),
      });
    if (result.status === 'user_paying')
      return sendJson(response, 202, { status: 'user_paying', switch_reference: result.switchReference, payer_institution: result.payer });
    if (result.status === 'unknown')
      return sendJson(response, 504, { code: 'institution_timeout', institution: result.payer, switch_reference: result.switchReference });
    if (result.reason === 'institution_unknown') return sendJson(response, 422, { code: 'institution_unknown' });
    return sendJson(response, 422, { code: 'declined', institution: result.payer, reason: result.reason ?? 'unknown' });
  }

  function book(
    payer: string,
    payee: string,
    currency: string,
    amountMinor: bigint,
    extra: Pick<Booking, 'user' | 'kind'> = {},
    reference: string = nextReference(),
  ): Booking {
    const booking: Booking = {
      ...extra,
      reference,
      date: new Date(now()).toISOString().slice(0, 10),
      payer,
      payee,
      currency,
      amountMinor,
      orderId: reference,
      notified: true,
    };
    saveBooking(booking);
    return booking;
  }

  /** PBOC bar-code limits (limits.ts): the refusal reason, or undefined when the payment fits. */
  function overLimit(payer: string, user: string, kind: 'static' | 'dynamic' | 'payment_code', currency: string, amountMinor: bigint) {
    if (currency !== 'CNY') return undefined;
    const today = new Date(now()).toISOString().slice(0, 10);
    const mine = bookings.filter((b) => !b.voided && b.payer === payer && b.user === user && b.date === today && b.currency === 'CNY');
    if (kind === 'static' && spentToday(mine, ['static']) + amountMinor > limits.staticDailyMaxMinor) return 'static_code_daily_limit';
    if (kind !== 'static' && spentToday(mine, ['dynamic', 'payment_code']) + amountMinor > limits.dynamicDailyMaxMinor)
      return 'dynamic_code_daily_limit';
    return undefined;
  }

  /**
   * Hutong's own app pays a code (POST /participants/hutong/pay, signed by Hutong): the switch routes
   * it like any app's scan; Hutong has already held the amount on its user's wallet. Each payment is
   * kept by Hutong's scan id (`hutong_pay` in the journal): asked again, the switch answers what it
   * did (or `processing` while it is still at it); `pay_query` reads it; `pay_close` closes it for
   * good — a scan never seen leaves a tombstone, one still in progress is stopped before anything
   * is booked, and a paid one stays paid (whichever comes first wins, never both).
   */
  async function hutongPays(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hutong = participants.find((p) => p.id === 'hutong') as SwitchParticipant;
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    const text = raw.toString('utf8');
    const header = request.headers['switch-signature'];
    if (!verify(hutong.key, text, typeof header === 'string' ? header : null, now()))
      return sendJson(response, 401, { code: 'signature_invalid' });
    const answer = (status: number, body: Record<string, unknown>) => {
      const json = JSON.stringify(body);
      sendText(response, status, 'application/json', json, { 'switch-signature': sign(hutong.key, json, now()) });
    };
    const input = JSON.parse(text) as { scan_id?: string; payload: string; currency: string; amount: string };
    const scanId = typeof input.scan_id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(input.scan_id) ? input.scan_id : undefined;
    if (scanId === undefined) return answer(400, { code: 'scan_id_required' });
    const seen = hutongPayments.get(scanId);
    if (seen !== undefined) return answer(...payView(seen));
    const record: HutongPayRecord = { status: 'processing' };
    savePay(scanId, record);
    const actDelay = answerDelayMs.get('pay_act') ?? 0;
    if (actDelay > 0) await new Promise((resolve) => setTimeout(resolve, actDelay));
    const done = await payForHutong(input, () => hutongPayments.get(scanId)?.status === 'closed');
    // Closed while the switch was at it: nothing was booked, the tombstone stands.
    if (hutongPayments.get(scanId)?.status !== 'closed') savePay(scanId, done);
    const answerDelay = answerDelayMs.get('pay') ?? 0;
    if (answerDelay > 0) await new Promise((resolve) => setTimeout(resolve, answerDelay));
    answer(...payView(hutongPayments.get(scanId) as HutongPayRecord));
  }

  function savePay(scanId: string, record: HutongPayRecord): void {
    hutongPayments.set(scanId, record);
    journal.write('hutong_pay', scanId, record);
  }

  function payView(record: HutongPayRecord): [number, Record<string, unknown>] {
    if (record.status === 'paid') return [200, { status: 'paid', switch_reference: record.reference, merchant_name: record.merchantName }];
    if (record.status === 'processing') return [202, { status: 'processing' }];
    if (record.status === 'closed') return [422, { status: 'closed', code: 'declined', reason: 'closed' }];
    return [422, { status: 'declined', code: 'declined', reason: record.reason ?? 'declined' }];
  }

  async function payForHutong(
    input: { payload: string; currency: string; amount: string },
    closed: () => boolean,
  ): Promise<HutongPayRecord> {
    const code = readMerchantCode(input.payload);
    if (typeof code === 'string') return { status: 'declined', reason: `code_invalid: ${code}` };
    const payee = routeMerchantCode(code, participants);
    if (payee === undefined) return { status: 'declined', reason: 'institution_unknown' };
    if (!/^[1-9][0-9]{0,17}$/.test(input.amount)) return { status: 'declined', reason: 'amount_invalid' };
    const amountMinor = BigInt(input.amount);
    if (payee.url === undefined) {
      if (code.amount !== undefined && minorOf(code.amount) !== amountMinor) return { status: 'declined', reason: 'amount_mismatch' };
      if (closed()) return { status: 'closed' };
      const booking = book('hutong', payee.id, input.currency, amountMinor);
      return { status: 'paid', reference: booking.reference, merchantName: code.merchantName };
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
    if (order === undefined) return { status: 'declined', reason: 'institution_timeout' };
    if (order.status !== 200) return { status: 'declined', reason: order.body.code ?? 'unknown' };
    if (closed()) return { status: 'closed' };
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
    saveBooking(booking);
    await notify(booking);
    return { status: 'paid', reference, merchantName: code.merchantName };
  }

  /** Hutong asks about (`pay_query`) or closes (`pay_close`) one of its users' payments, by scan id (signed both ways). */
  async function hutongPayAction(action: 'pay_query' | 'pay_close', request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hutong = participants.find((p) => p.id === 'hutong') as SwitchParticipant;
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    const text = raw.toString('utf8');
    const header = request.headers['switch-signature'];
    if (!verify(hutong.key, text, typeof header === 'string' ? header : null, now()))
      return sendJson(response, 401, { code: 'signature_invalid' });
    const answer = (status: number, body: Record<string, unknown>) => {
      const json = JSON.stringify(body);
      sendText(response, status, 'application/json', json, { 'switch-signature': sign(hutong.key, json, now()) });
    };
    let scanId: unknown;
    try {
      scanId = (JSON.parse(text) as { scan_id?: unknown }).scan_id;
    } catch {
      return answer(400, { code: 'json_invalid' });
    }
    if (typeof scanId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(scanId)) return answer(400, { code: 'scan_id_required' });
    const seen = hutongPayments.get(scanId);
    if (action === 'pay_query') return seen === undefined ? answer(404, { status: 'not_found' }) : answer(...payView(seen));
    if (seen === undefined || seen.status === 'processing') savePay(scanId, { status: 'closed' });
    return answer(...payView(hutongPayments.get(scanId) as HutongPayRecord));
  }

  function nextReference(): string {
    journal.write('sequence', 'n', ++sequence);
    return `SW${new Date(now()).toISOString().slice(0, 10).replace(/-/g, '')}${String(sequence).padStart(8, '0')}${process.pid % 1000}`;
  }

  /** The clearing file: one line per booking the participant is in, then its net position. */
  function clearingFile(participantId: string, date: string): string {
    const lines = ['reference,date,role,counterparty,currency,amount'];
    const net = new Map<string, bigint>();
    for (const b of bookings.filter((x) => !x.voided && x.date === date && (x.payer === participantId || x.payee === participantId))) {
      // An on-us booking (payer and payee the same participant) is both of its lines: it nets to zero.
      for (const role of ['payer', 'payee'] as const) {
        if ((role === 'payee' ? b.payee : b.payer) !== participantId) continue;
        const payee = role === 'payee';
        lines.push(`${b.reference},${b.date},${role},${payee ? b.payer : b.payee},${b.currency},${b.amountMinor}`);
        net.set(b.currency, (net.get(b.currency) ?? 0n) + (payee ? b.amountMinor : -b.amountMinor));
      }
    }
    for (const [currency, amount] of net) lines.push(`NET,${date},${participantId},switch,${currency},${amount}`);
    return `${lines.join('\n')}\n`;
  }

  const tills = createTills({
    participants: () => participants,
    codes,
    charges,
    journal,
    limits,
    now,
    nextReference,
    balanceOf,
    setBalance,
    book,
    voidBooking: (reference) => {
      const booking = bookingsByRef.get(reference);
      if (booking === undefined) return;
      booking.voided = true;
      saveBooking(booking);
    },
    overLimit,
    call: (participant, message) => call(participant, message).catch(() => undefined),
  });

  async function jsonOf(request: IncomingMessage): Promise<Record<string, unknown> | 'too_large' | undefined> {
    const raw = await readBody(request);
    if (raw === 'too_large') return raw;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** A sandbox wallet's phone app: show a payment code, or confirm (password) / cancel what waits for its user. */
  async function appAction(participantId: string, action: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const input = await jsonOf(request);
    if (input === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    if (input === undefined || typeof input.user !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(input.user))
      return sendJson(response, 400, { code: 'user_required' });
    if (action === 'payment_codes') {
      const issued = tills.issueCode(participantId, input.user);
      if (issued === undefined) return sendJson(response, 404, { code: 'participant_unknown' });
      return sendJson(response, 201, { payment_code: issued.code, expires_at: new Date(issued.expiresAt).toISOString() });
    }
    const done = tills.confirm(participantId, input.user, input.approve !== false);
    sendJson(response, 200, {
      confirmed: done.map((c) => ({ switch_reference: c.switchReference, status: c.status, reason: c.reason ?? null })),
    });
  }

  /**
   * Hutong as the till's institution (signed both ways): `charge` a payment code for an order
   * reference of Hutong's, `query` it, `reverse` it, `refund` part of it (tills.ts).
   */
  async function hutongTill(action: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hutong = participants.find((p) => p.id === 'hutong') as SwitchParticipant;
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    const text = raw.toString('utf8');
    const header = request.headers['switch-signature'];
    if (!verify(hutong.key, text, typeof header === 'string' ? header : null, now()))
      return sendJson(response, 401, { code: 'signature_invalid' });
    const answer = (status: number, body: Record<string, unknown>) => {
      const json = JSON.stringify(body);
      sendText(response, status, 'application/json', json, { 'switch-signature': sign(hutong.key, json, now()) });
    };
    let input: Record<string, string>;
    try {
      input = JSON.parse(text) as Record<string, string>;
    } catch {
      return answer(400, { code: 'json_invalid' });
    }
    const reference = input.order_reference;
    if (typeof reference !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(reference)) return answer(400, { code: 'order_reference_required' });
    const view = (c: TillCharge) => ({
      status: c.status,
      switch_reference: c.switchReference,
      payer_institution: c.payer,
      currency: c.currency,
      amount: c.amountMinor.toString(),
      reason: c.reason ?? null,
    });
    if (action === 'charge') {
      if (typeof input.payment_code !== 'string' || typeof input.amount !== 'string' || !/^[1-9][0-9]{0,17}$/.test(input.amount))
        return answer(400, { code: 'payment_code_and_amount_required' });
      const c = await tills.charge('hutong', reference, input.payment_code, input.currency ?? 'CNY', BigInt(input.amount));
      return answer(200, view(c));
    }
    if (action === 'query') {
      const c = await tills.query('hutong', reference);
      return c === undefined ? answer(404, { status: 'not_found' }) : answer(200, view(c));
    }
    if (action === 'reverse') {
      const c = await tills.reverse('hutong', reference);
      return c === 'unknown' ? answer(504, { code: 'institution_timeout' }) : answer(200, view(c));
    }
    if (typeof input.refund_id !== 'string' || typeof input.amount !== 'string' || !/^[1-9][0-9]{0,17}$/.test(input.amount))
      return answer(400, { code: 'refund_id_and_amount_required' });
    const r = await tills.refund('hutong', reference, input.refund_id, BigInt(input.amount));
    return r.status === 'unknown' ? answer(504, { code: 'institution_timeout' }) : answer(200, { ...r, amountMinor: undefined });
  }

  /**
   * Hutong, as the merchant's institution, refunds a payment of one of its codes (signed both ways):
   * `{switch_reference, refund_id, currency, amount}`. The switch gives the amount back to the
   * payer's user and books it for clearing (Hutong pays the payer's institution). The refund id is
   * the idempotency key: asked again, the switch answers the first answer and moves nothing.
   */
  async function hutongOrderRefund(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hutong = participants.find((p) => p.id === 'hutong') as SwitchParticipant;
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { code: 'too_large' });
    const text = raw.toString('utf8');
    const header = request.headers['switch-signature'];
    if (!verify(hutong.key, text, typeof header === 'string' ? header : null, now()))
      return sendJson(response, 401, { code: 'signature_invalid' });
    const answer = (status: number, body: Record<string, unknown>) => {
      const json = JSON.stringify(body);
      sendText(response, status, 'application/json', json, { 'switch-signature': sign(hutong.key, json, now()) });
    };
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return answer(400, { code: 'json_invalid' });
    }
    const { switch_reference: reference, refund_id: refundId, amount, currency } = input;
    if (
      typeof reference !== 'string' ||
      typeof refundId !== 'string' ||
      !/^[A-Za-z0-9_-]{1,40}$/.test(refundId) ||
      typeof amount !== 'string' ||
      !/^[1-9][0-9]{0,17}$/.test(amount) ||
      typeof currency !== 'string'
    )
      return answer(400, { code: 'switch_reference_refund_id_amount_currency_required' });
    const key = `${reference}/${refundId}`;
    const view = (r: OrderRefundRecord) => ({ status: r.status, reference: r.reference ?? null, reason: r.reason ?? null, amount });
    const seen = orderRefunds.get(key);
    if (seen === undefined) {
      const record = giveBackOrder(reference, refundId, currency, BigInt(amount));
      orderRefunds.set(key, record);
      journal.write('order_refund', key, record);
    }
    const delay = answerDelayMs.get('order_refund') ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    answer(200, view(orderRefunds.get(key) as OrderRefundRecord));
  }

  function giveBackOrder(reference: string, refundId: string, currency: string, amountMinor: bigint): OrderRefundRecord {
    const booking = bookingsByRef.get(reference);
    const refused = (reason: string): OrderRefundRecord => ({ status: 'failed', reason, amountMinor });
    if (booking === undefined || booking.payee !== 'hutong' || booking.kind === 'refund' || booking.voided === true)
      return refused('payment_unknown');
    if (booking.currency !== currency) return refused('currency_mismatch');
    const refunded = [...orderRefunds.entries()]
      .filter(([k, r]) => k.startsWith(`${reference}/`) && r.status === 'succeeded')
      .reduce((sum, [, r]) => sum + r.amountMinor, 0n);
    if (refunded + amountMinor > booking.amountMinor) return refused('refund_exceeds_payment');
    const payer = participants.find((p) => p.id === booking.payer);
    // Hutong's own users paying Hutong's codes (on-us) are not refunded through here yet.
    if (payer === undefined || payer.url !== undefined || booking.user === undefined) return refused('payer_refunds_unsupported');
    const userKey = `${payer.id}/${booking.user}`;
    setBalance(userKey, balanceOf(userKey) + amountMinor);
    const refundReference = `${reference}-${refundId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
    book('hutong', payer.id, currency, amountMinor, { user: booking.user, kind: 'refund' }, refundReference);
    return { status: 'succeeded', reference: refundReference, amountMinor };
  }

  const fault = (response: ServerResponse) => (error: unknown) => sendJson(response, 500, { code: 'internal', detail: String(error) });

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://switch');
    const app = /^\/apps\/([a-z_]+)\/scan$/.exec(url.pathname);
    const clearing = /^\/clearing\/([a-z_]+)$/.exec(url.pathname);
    const till = /^\/merchants\/([a-z_]+)\/charge$/.exec(url.pathname);
    const appAct = /^\/apps\/([a-z_]+)\/(payment_codes|confirmations)$/.exec(url.pathname);
    const hutongAct = /^\/participants\/hutong\/(charge|query|reverse|refund)$/.exec(url.pathname);
    if (
      request.method === 'POST' &&
      (url.pathname === '/participants/hutong/pay_query' || url.pathname === '/participants/hutong/pay_close')
    ) {
      hutongPayAction(url.pathname.endsWith('query') ? 'pay_query' : 'pay_close', request, response).catch(fault(response));
    } else if (request.method === 'POST' && url.pathname === '/participants/hutong/order_refund') {
      hutongOrderRefund(request, response).catch(fault(response));
    } else if (request.method === 'POST' && appAct !== null) {
      appAction(appAct[1] as string, appAct[2] as string, request, response).catch(fault(response));
    } else if (request.method === 'POST' && hutongAct !== null) {
      hutongTill(hutongAct[1] as string, request, response).catch(fault(response));
    } else if (request.method === 'POST' && app !== null) {
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
    } else if (request.method === 'GET' && /^\/apps\/[a-z_]+\/balance$/.test(url.pathname)) {
      const participant = url.pathname.split('/')[2] as string;
      const user = url.searchParams.get('user') ?? '';
      sendJson(response, 200, { participant, user, balance: Number(balanceOf(`${participant}/${user}`)) });
    } else if (url.pathname === '/healthz') sendJson(response, 200, { status: 'ok' });
    else sendJson(response, 404, { code: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pendingNotifications: () => bookings.filter((b) => !b.notified).length,
    balanceOf: (participant, user) => balanceOf(`${participant}/${user}`),
    setAnswerDelay: (action, ms) => {
      answerDelayMs.set(action, ms);
    },
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
