import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { create } from 'xmlbuilder2';
import { camtNs, decimalText, pain002Ns, readPain001 } from './iso20022.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { ibanRefusal } from './iban.js';
import { closeServer, listen, mediaTypeOf, readBody, sendJson, sendText } from '../shared/http.js';

/**
 * The sandbox settlement bank (docs/settlement.md): it holds Hutong's accounts, takes ISO 20022
 * pain.001 payment files over HTTP, answers each with a pain.002 status report (accepted or rejected
 * per transaction, with an ISO reason code), executes what it accepted, and publishes camt.053
 * statements. On purpose it can put any kind of discrepancy into the next statement.
 *
 * Rejections (ISO external status reason codes):
 *  - AC01 IncorrectAccountNumber: the creditor IBAN fails mod 97;
 *  - AC04 ClosedAccountNumber: account numbers starting 999, or accounts closed with POST /control/close;
 *  - AM04 InsufficientFunds: the debtor account would go below zero and overdraft is off;
 *  - AM03 NotAllowedCurrency: the transfer's currency is not the debtor account's;
 *  - DUPL: the EndToEndId was executed before.
 *
 * Routes: POST /pain.001 (application/xml) → pain.002; GET /statements/{account}/next → camt.053 of
 * the bookings since the last one; POST /control/credit {account, amount, currency, reference, from}
 * (an incoming transfer, e.g. a channel settling its net position); POST /control/inject {kind}
 * (missing | duplicate | amount | currency | unknown); POST /control/close {account}; GET /accounts.
 */
export type DiscrepancyKind = 'missing' | 'duplicate' | 'amount' | 'currency' | 'unknown';
export const discrepancyKinds: readonly DiscrepancyKind[] = ['missing', 'duplicate', 'amount', 'currency', 'unknown'];

interface Booking {
  seq: number;
  reference: string;
  bankReference: string;
  amountMinor: bigint;
  currency: string;
  counterparty: string;
  date: string;
}

interface BankAccountBook {
  id: string;
  currency: string;
  balanceMinor: bigint;
  bookings: Booking[];
  reported: number;
  reportedBalance: bigint;
  statements: number;
}

export interface SandboxBankOptions {
  readonly port?: number;
  readonly host?: string;
  readonly clock?: Clock;
  /** Let Hutong's accounts go below zero (default true: payouts before the channels pay in). */
  readonly overdraft?: boolean;
}

export interface SandboxBank {
  readonly baseUrl: string;
  readonly port: number;
  close(): Promise<void>;
  balance(account: string): bigint | undefined;
  inject(kind: DiscrepancyKind): void;
  credit(input: { account: string; amountMinor: bigint; currency: string; reference: string; from: string }): Booking;
}

export const reserveAccountOf = (currency: string) => `HUTONG-RESERVE-${currency}`;
export const settlementAccountOf = (currency: string) => `HUTONG-SETTLEMENT-${currency}`;

export async function startSandboxBank(options: SandboxBankOptions = {}): Promise<SandboxBank> {
  const clock = options.clock ?? systemClock;
  const overdraft = options.overdraft ?? true;
  const accounts = new Map<string, BankAccountBook>();
  const answered = new Map<string, string>();
  const executed = new Set<string>();
  const closed = new Set<string>();
  const injections: DiscrepancyKind[] = [];
  let bankSeq = 0;

  function account(id: string): BankAccountBook | undefined {
    let a = accounts.get(id);
    const m = /^HUTONG-(RESERVE|SETTLEMENT)-([A-Z]{3})$/.exec(id);
    if (a === undefined && m !== null) {
      a = { id, currency: m[2] as string, balanceMinor: 0n, bookings: [], reported: 0, reportedBalance: 0n, statements: 0 };
      accounts.set(id, a);
    }
    return a;
  }

  function book(a: BankAccountBook, b: Omit<Booking, 'seq' | 'bankReference' | 'date'>): Booking {
    const booking = {
      ...b,
      seq: ++bankSeq,
      bankReference: `SBOX${String(bankSeq).padStart(10, '0')}`,
      date: clock.now().toISOString().slice(0, 10),
    };
    a.bookings.push(booking);
    a.balanceMinor += b.amountMinor;
    return booking;
  }

  function pain002(messageId: string, results: { endToEndId: string; status: 'ACCP' | 'RJCT'; reason?: string; info?: string }[]): string {
    const accepted = results.filter((r) => r.status === 'ACCP').length;
    const group = accepted === results.length ? 'ACCP' : accepted === 0 ? 'RJCT' : 'PART';
    const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(pain002Ns, 'Document').ele('CstmrPmtStsRpt');
    root.ele('GrpHdr').ele('MsgId').txt(`STS-${messageId}`).up().ele('CreDtTm').txt(clock.now().toISOString());
    root
      .ele('OrgnlGrpInfAndSts')
      .ele('OrgnlMsgId')
      .txt(messageId)
      .up()
      .ele('OrgnlMsgNmId')
      .txt('pain.001.001.09')
      .up()
      .ele('GrpSts')
      .txt(group);
    const info = root.ele('OrgnlPmtInfAndSts');
    info.ele('OrgnlPmtInfId').txt(messageId);
    for (const r of results) {
      const tx = info.ele('TxInfAndSts');
      tx.ele('OrgnlEndToEndId').txt(r.endToEndId).up().ele('TxSts').txt(r.status);
      if (r.reason !== undefined)
        tx.ele('StsRsnInf')
          .ele('Rsn')
          .ele('Cd')
          .txt(r.reason)
          .up()
          .up()
          .ele('AddtlInf')
          .txt(r.info ?? r.reason);
    }
    return root.end({ prettyPrint: true });
  }

  function takePain001(xml: string): { status: number; body: string; type: string } {
    const parsed = readPain001(xml);
    if ('failure' in parsed) return { status: 400, body: parsed.detail, type: 'text/plain' };
    const previous = answered.get(parsed.messageId);
    if (previous !== undefined) return { status: 200, body: previous, type: 'application/xml' };
    const debtor = account(parsed.debtorAccount);
    const results = parsed.transfers.map((t) => {
      const creditor = t.iban ?? t.account ?? '';
      if (debtor === undefined)
        return { endToEndId: t.endToEndId, status: 'RJCT' as const, reason: 'AC02', info: `no debtor account ${parsed.debtorAccount}` };
      if (executed.has(t.endToEndId)) return { endToEndId: t.endToEndId, status: 'RJCT' as const, reason: 'DUPL', info: 'executed before' };
      if (t.iban !== null && ibanRefusal(t.iban) !== undefined)
        return { endToEndId: t.endToEndId, status: 'RJCT' as const, reason: 'AC01', info: 'incorrect account number' };
      if (closed.has(creditor) || creditor.startsWith('999'))
        return { endToEndId: t.endToEndId, status: 'RJCT' as const, reason: 'AC04', info: 'closed account number' };
      if (t.currency !== debtor.currency)
        return { endToEndId: t.endToEndId, status: 'RJCT' as const, reason: 'AM03', info: `account holds ${debtor.currency}` };
      if (!overdraft && debtor.balanceMinor < t.amountMinor)
        return { endToEndId: t.endToEndId, status: 'RJCT' as const, reason: 'AM04', info: 'insufficient funds' };
      executed.add(t.endToEndId);
      book(debtor, {
        reference: t.endToEndId,
        amountMinor: -t.amountMinor,
        currency: t.currency,
        counterparty: `${t.creditorName} ${creditor}`,
      });
      return { endToEndId: t.endToEndId, status: 'ACCP' as const };
    });
    const body = pain002(parsed.messageId, results);
    answered.set(parsed.messageId, body);
    return { status: 200, body, type: 'application/xml' };
  }

  /** The bookings since the last statement, with the queued discrepancies applied to what is reported. */
  function camt053(a: BankAccountBook): string {
    const fresh = a.bookings.slice(a.reported);
    let reported: Booking[] = fresh.map((b) => ({ ...b }));
    while (injections.length > 0) {
      const kind = injections.shift() as DiscrepancyKind;
      const target = reported.find((b) => !b.reference.startsWith('SBOX-FEE'));
      if (kind === 'unknown') {
        // A real booking Hutong knows nothing of: the bank's monthly account fee.
        const fee = book(a, {
          reference: `SBOX-FEE-${bankSeq + 1}`,
          amountMinor: -2500n,
          currency: a.currency,
          counterparty: 'Sandbox Bank fees',
        });
        reported.push({ ...fee });
      } else if (target !== undefined) {
        if (kind === 'missing') reported = reported.filter((b) => b !== target);
        if (kind === 'duplicate') reported.push({ ...target, bankReference: `${target.bankReference}D` });
        if (kind === 'amount') target.amountMinor += target.amountMinor > 0n ? 100n : -100n;
        if (kind === 'currency') target.currency = a.currency === 'EUR' ? 'USD' : 'EUR';
      }
    }
    a.reported = a.bookings.length;
    a.statements += 1;
    const opening = a.reportedBalance;
    a.reportedBalance = a.balanceMinor;
    const now = clock.now().toISOString();
    const stmtId = `${a.id}-${String(a.statements).padStart(4, '0')}`;
    const stmt = create({ version: '1.0', encoding: 'UTF-8' }).ele(camtNs, 'Document').ele('BkToCstmrStmt');
    stmt.ele('GrpHdr').ele('MsgId').txt(`CAMT-${stmtId}`).up().ele('CreDtTm').txt(now);
    const s = stmt.ele('Stmt');
    s.ele('Id')
      .txt(stmtId)
      .up()
      .ele('ElctrncSeqNb')
      .txt(String(a.statements))
      .up()
      .ele('CreDtTm')
      .txt(now)
      .up()
      .ele('Acct')
      .ele('Id')
      .ele('Othr')
      .ele('Id')
      .txt(a.id)
      .up()
      .up()
      .up()
      .ele('Ccy')
      .txt(a.currency);
    const balance = (code: string, minor: bigint) =>
      s
        .ele('Bal')
        .ele('Tp')
        .ele('CdOrPrtry')
        .ele('Cd')
        .txt(code)
        .up()
        .up()
        .up()
        .ele('Amt', { Ccy: a.currency })
        .txt(decimalText(minor < 0n ? -minor : minor, a.currency))
        .up()
        .ele('CdtDbtInd')
        .txt(minor < 0n ? 'DBIT' : 'CRDT')
        .up()
        .ele('Dt')
        .ele('Dt')
        .txt(now.slice(0, 10));
    balance('OPBD', opening);
    balance('CLBD', a.balanceMinor);
    for (const b of reported) {
      const fee = b.reference.startsWith('SBOX-FEE');
      const n = s.ele('Ntry');
      n.ele('NtryRef').txt(String(b.seq));
      n.ele('Amt', { Ccy: b.currency }).txt(decimalText(b.amountMinor < 0n ? -b.amountMinor : b.amountMinor, b.currency));
      n.ele('CdtDbtInd').txt(b.amountMinor < 0n ? 'DBIT' : 'CRDT');
      n.ele('Sts').ele('Cd').txt('BOOK');
      n.ele('BookgDt').ele('Dt').txt(b.date);
      n.ele('AcctSvcrRef').txt(b.bankReference);
      // The bank transaction code (mandatory): domain, family, sub-family (ISO external code set).
      const [domain, family, sub] = fee
        ? ['ACMT', 'MDOP', 'CHRG']
        : b.amountMinor < 0n
          ? ['PMNT', 'ICDT', 'XBCT']
          : ['PMNT', 'RCDT', 'XBCT'];
      n.ele('BkTxCd')
        .ele('Domn')
        .ele('Cd')
        .txt(domain as string)
        .up()
        .ele('Fmly')
        .ele('Cd')
        .txt(family as string)
        .up()
        .ele('SubFmlyCd')
        .txt(sub as string);
      const tx = n.ele('NtryDtls').ele('TxDtls');
      // A booking nobody instructed (the bank's own fee) has no end-to-end id: the bank writes NOTPROVIDED.
      tx.ele('Refs')
        .ele('AcctSvcrRef')
        .txt(b.bankReference)
        .up()
        .ele('EndToEndId')
        .txt(fee ? 'NOTPROVIDED' : b.reference);
      tx.ele('RltdPties')
        .ele(b.amountMinor < 0n ? 'Cdtr' : 'Dbtr')
        .ele('Pty')
        .ele('Nm')
        .txt(b.counterparty.slice(0, 140));
    }
    return stmt.end({ prettyPrint: true });
  }

  function credit(input: { account: string; amountMinor: bigint; currency: string; reference: string; from: string }): Booking {
    const a = account(input.account);
    if (a === undefined) throw new Error(`no account ${input.account}`);
    if (input.currency !== a.currency) throw new Error(`account ${a.id} holds ${a.currency}`);
    return book(a, { reference: input.reference, amountMinor: input.amountMinor, currency: input.currency, counterparty: input.from });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://bank');
    const body = request.method === 'POST' ? await readBody(request, 8 * 1024 * 1024) : Buffer.alloc(0);
    if (body === 'too_large') return sendText(response, 413, 'text/plain', 'too large');
    if (request.method === 'POST' && url.pathname === '/pain.001') {
      if (!mediaTypeOf(request).includes('xml')) return sendText(response, 415, 'text/plain', 'send application/xml');
      const answer = takePain001(body.toString('utf8'));
      return sendText(response, answer.status, answer.type, answer.body);
    }
    const statement = /^\/statements\/([A-Z0-9-]+)\/next$/.exec(url.pathname);
    if (request.method === 'GET' && statement !== null) {
      const a = account(statement[1] as string);
      if (a === undefined) return sendText(response, 404, 'text/plain', 'no such account');
      return sendText(response, 200, 'application/xml', camt053(a));
    }
    if (request.method === 'GET' && url.pathname === '/accounts') {
      return sendJson(
        response,
        200,
        [...accounts.values()].map((a) => ({
          id: a.id,
          currency: a.currency,
          balance: a.balanceMinor.toString(),
          bookings: a.bookings.length,
        })),
      );
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return sendText(response, 400, 'text/plain', 'send JSON');
    }
    if (request.method === 'POST' && url.pathname === '/control/inject') {
      if (!discrepancyKinds.includes(input.kind as DiscrepancyKind))
        return sendText(response, 400, 'text/plain', `kind is one of ${discrepancyKinds.join(', ')}`);
      injections.push(input.kind as DiscrepancyKind);
      return sendJson(response, 200, { queued: injections.length });
    }
    if (request.method === 'POST' && url.pathname === '/control/close') {
      closed.add(String(input.account));
      return sendJson(response, 200, { closed: input.account });
    }
    if (request.method === 'POST' && url.pathname === '/control/credit') {
      try {
        const b = credit({
          account: String(input.account),
          amountMinor: BigInt(String(input.amount)),
          currency: String(input.currency),
          reference: String(input.reference),
          from: String(input.from ?? 'unknown'),
        });
        return sendJson(response, 200, { booked: b.bankReference });
      } catch (error) {
        return sendText(response, 400, 'text/plain', (error as Error).message);
      }
    }
    return sendText(response, 404, 'text/plain', 'no such route');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendText(response, 500, 'text/plain', String(error)));
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  return {
    baseUrl: `http://${host}:${port}`,
    port,
    close: () => closeServer(server),
    balance: (id) => accounts.get(id)?.balanceMinor,
    inject: (kind) => void injections.push(kind),
    credit,
  };
}
