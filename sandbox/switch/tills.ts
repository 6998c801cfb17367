import { randomInt } from 'node:crypto';
import type { Journal } from './journal.js';
import type { WalletLimits } from './limits.js';
import type { SwitchParticipant } from './participants.js';

/**
 * Payment codes taken at tills (consumer-presented, domain.md §5). The till's institution (Hutong,
 * or a sandbox wallet's merchant) sends the code; the switch routes it by prefix to the issuer:
 * Hutong answers a signed `code_charge`; a sandbox wallet is played here (its one-time codes, its
 * users' balances, its limits, and the "user is confirming" state above the password-free amount).
 * Every charge is keyed by the till institution's own order reference, so asking again (a retry, a
 * query) answers the same charge, and a reversal of a reference never seen leaves a tombstone that
 * refuses the charge if it arrives late.
 */
export interface IssuedCode {
  readonly code: string;
  readonly participant: string;
  readonly user: string;
  readonly expiresAt: number;
  usedBy?: string;
}

export type ChargeStatus = 'user_paying' | 'paid' | 'declined' | 'reversed' | 'unknown';

export interface TillCharge {
  readonly key: string;
  readonly payee: string;
  readonly payer: string;
  readonly user?: string;
  readonly code: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly switchReference: string;
  status: ChargeStatus;
  reason?: string;
  /** refund id → its amount and answer. */
  refunds: Record<string, { amountMinor: bigint; status: 'succeeded' | 'failed'; reference: string; reason?: string }>;
}

export interface TillContext {
  participants(): readonly SwitchParticipant[];
  readonly codes: Map<string, IssuedCode>;
  readonly charges: Map<string, TillCharge>;
  readonly journal: Journal;
  readonly limits: WalletLimits;
  now(): number;
  nextReference(): string;
  balanceOf(key: string): bigint;
  setBalance(key: string, value: bigint): void;
  book(
    payer: string,
    payee: string,
    currency: string,
    amountMinor: bigint,
    extra: { user?: string; kind?: 'payment_code' | 'refund' },
    reference?: string,
  ): unknown;
  voidBooking(reference: string): void;
  overLimit(payer: string, user: string, kind: 'payment_code', currency: string, amountMinor: bigint): string | undefined;
  /** A signed message to a participant with a URL (Hutong); undefined when it did not answer. */
  call(
    participant: SwitchParticipant,
    message: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, string> } | undefined>;
}

const prefixes: Record<string, () => string> = {
  wechat_sandbox: () => `1${randomInt(6)}${digits(16)}`,
  alipay_sandbox: () => `28${digits(16)}`,
  quickpass_sandbox: () => `62${digits(17)}`,
};

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(10));
  return out;
}

export function createTills(ctx: TillContext) {
  const save = (charge: TillCharge) => {
    ctx.charges.set(charge.key, charge);
    ctx.journal.write('charge', charge.key, charge);
  };
  const participant = (id: string) => ctx.participants().find((p) => p.id === id);

  /** A sandbox wallet's app shows its user a one-time payment code. */
  function issueCode(participantId: string, user: string): IssuedCode | undefined {
    const make = prefixes[participantId];
    if (make === undefined) return undefined;
    const issued: IssuedCode = { code: make(), participant: participantId, user, expiresAt: ctx.now() + ctx.limits.codeTtlMs };
    ctx.codes.set(issued.code, issued);
    ctx.journal.write('code', issued.code, issued);
    return issued;
  }

  async function askIssuer(charge: TillCharge): Promise<TillCharge> {
    const issuer = participant(charge.payer) as SwitchParticipant;
    const message = {
      message_type: 'code_charge',
      switch_reference: charge.switchReference,
      payee_institution: charge.payee,
      payment_code: charge.code,
      currency: charge.currency,
      amount: charge.amountMinor.toString(),
    };
    let answer: { status: number; body: Record<string, string> } | undefined;
    for (let attempt = 1; attempt <= 3 && (answer === undefined || answer.status >= 500); attempt++)
      answer = await ctx.call(issuer, message);
    if (answer === undefined || answer.status >= 500) {
      charge.status = 'unknown';
    } else if (answer.status === 200) {
      charge.status = 'paid';
      ctx.book(charge.payer, charge.payee, charge.currency, charge.amountMinor, { kind: 'payment_code' }, charge.switchReference);
    } else {
      charge.status = 'declined';
      charge.reason = answer.body.code ?? 'declined';
    }
    save(charge);
    return charge;
  }

  /** The sandbox wallet debits its user: paid, or declined (and the code stays spent). */
  function debit(charge: TillCharge): TillCharge {
    const key = `${charge.payer}/${charge.user ?? ''}`;
    const balance = ctx.balanceOf(key);
    if (balance < charge.amountMinor) {
      charge.status = 'declined';
      charge.reason = 'insufficient_funds';
    } else {
      ctx.setBalance(key, balance - charge.amountMinor);
      charge.status = 'paid';
      ctx.book(
        charge.payer,
        charge.payee,
        charge.currency,
        charge.amountMinor,
        { user: charge.user, kind: 'payment_code' },
        charge.switchReference,
      );
    }
    save(charge);
    return charge;
  }

  async function charge(payeeId: string, orderReference: string, code: string, currency: string, amountMinor: bigint): Promise<TillCharge> {
    const key = `${payeeId}/${orderReference}`;
    const existing = ctx.charges.get(key);
    if (existing !== undefined) return existing.status === 'unknown' ? askIssuer(existing) : existing;
    const payer = ctx.participants().find((p) => p.paymentCodePattern.test(code));
    const base = { key, payee: payeeId, code, currency, amountMinor, switchReference: ctx.nextReference(), refunds: {} };
    if (payer === undefined) return { ...base, payer: '', status: 'declined', reason: 'institution_unknown' };
    if (payer.url !== undefined) {
      const fresh: TillCharge = { ...base, payer: payer.id, status: 'unknown' };
      save(fresh); // claimed before the issuer is asked: a query or a reversal finds it whatever happens next
      return askIssuer(fresh);
    }
    const issued = ctx.codes.get(code);
    const refused = (reason: string): TillCharge => {
      const declined: TillCharge = { ...base, payer: payer.id, status: 'declined', reason };
      save(declined);
      return declined;
    };
    if (issued === undefined || issued.participant !== payer.id) return refused('payment_code_invalid');
    if (issued.usedBy !== undefined || ctx.now() >= issued.expiresAt) return refused('payment_code_invalid');
    issued.usedBy = key;
    ctx.journal.write('code', issued.code, issued);
    const limited = ctx.overLimit(payer.id, issued.user, 'payment_code', currency, amountMinor);
    if (limited !== undefined) return refused(limited);
    const fresh: TillCharge = { ...base, payer: payer.id, user: issued.user, status: 'user_paying' };
    if (amountMinor > ctx.limits.passwordFreeMaxMinor) {
      save(fresh); // the app asks its user for the password; the till polls
      return fresh;
    }
    return debit(fresh);
  }

  /** The app's user types the password (approve) or cancels: every charge of this user waiting for it. */
  function confirm(participantId: string, user: string, approve: boolean): TillCharge[] {
    const waiting = [...ctx.charges.values()].filter((c) => c.payer === participantId && c.user === user && c.status === 'user_paying');
    return waiting.map((c) => {
      if (approve) return debit(c);
      c.status = 'declined';
      c.reason = 'user_canceled';
      save(c);
      return c;
    });
  }

  async function query(payeeId: string, orderReference: string): Promise<TillCharge | undefined> {
    const found = ctx.charges.get(`${payeeId}/${orderReference}`);
    return found?.status === 'unknown' ? askIssuer(found) : found;
  }

  /** Undo a charge the till gave up on: nothing happened for the shopper afterwards. Unknown references leave a tombstone. */
  async function reverse(payeeId: string, orderReference: string): Promise<TillCharge | 'unknown'> {
    const key = `${payeeId}/${orderReference}`;
    const found = ctx.charges.get(key);
    if (found === undefined) {
      const tombstone: TillCharge = {
        key,
        payee: payeeId,
        payer: '',
        code: '',
        currency: '',
        amountMinor: 0n,
        switchReference: ctx.nextReference(),
        status: 'reversed',
        reason: 'reversed before it arrived',
        refunds: {},
      };
      save(tombstone);
      return tombstone;
    }
    if (found.status === 'reversed' || found.status === 'declined') return found;
    if (found.status === 'paid' || found.status === 'unknown') {
      const back = await giveBack(found, `${found.switchReference}R`, found.amountMinor, 'reversal');
      if (back === 'unknown') return 'unknown';
      if (found.status === 'paid') ctx.voidBooking(found.switchReference);
    }
    found.status = 'reversed';
    save(found);
    return found;
  }

  /** Money back to the payer's user: its wallet here, or Hutong by a signed `code_refund`. */
  async function giveBack(
    found: TillCharge,
    reference: string,
    amountMinor: bigint,
    kind: 'refund' | 'reversal',
  ): Promise<'done' | 'refused' | 'unknown'> {
    const issuer = participant(found.payer);
    if (issuer?.url === undefined) {
      const key = `${found.payer}/${found.user ?? ''}`;
      ctx.setBalance(key, ctx.balanceOf(key) + amountMinor);
      return 'done';
    }
    const answer = await ctx.call(issuer, {
      message_type: 'code_refund',
      switch_reference: reference,
      original_reference: found.switchReference,
      kind,
      currency: found.currency,
      amount: amountMinor.toString(),
    });
    if (answer === undefined || answer.status >= 500) return 'unknown';
    if (answer.status === 200) return 'done';
    // An issuer that never charged (unknown reference) has nothing to give back.
    return answer.body.code === 'switch_order_unknown' ? 'done' : 'refused';
  }

  async function refund(
    payeeId: string,
    orderReference: string,
    refundId: string,
    amountMinor: bigint,
  ): Promise<{ status: 'succeeded' | 'failed' | 'unknown'; reference?: string; reason?: string }> {
    const found = ctx.charges.get(`${payeeId}/${orderReference}`);
    if (found === undefined || found.status !== 'paid') return { status: 'failed', reason: 'charge_not_paid' };
    const done = found.refunds[refundId];
    if (done !== undefined) return done;
    const refunded = Object.values(found.refunds)
      .filter((r) => r.status === 'succeeded')
      .reduce((sum, r) => sum + r.amountMinor, 0n);
    if (refunded + amountMinor > found.amountMinor) return { status: 'failed', reason: 'refund_exceeds_charge' };
    // The same refund always carries the same reference: asking the issuer again never refunds twice.
    const reference = `${found.switchReference}-${refundId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
    const back = await giveBack(found, reference, amountMinor, 'refund');
    if (back === 'unknown') return { status: 'unknown' };
    const result =
      back === 'done'
        ? { amountMinor, status: 'succeeded' as const, reference }
        : { amountMinor, status: 'failed' as const, reference, reason: 'issuer_refused' };
    found.refunds[refundId] = result;
    if (back === 'done') ctx.book(found.payee, found.payer, found.currency, amountMinor, { user: found.user, kind: 'refund' }, reference);
    save(found);
    return result;
  }

  return { issueCode, charge, confirm, query, reverse, refund };
}
