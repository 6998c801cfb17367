import { parseCamt053, parseCamt053Entry } from '../channels/bank/index.js';
import { findCurrency, isMoneyFailure, parseDecimal } from '../money/index.js';

/**
 * The statement files Hutong reconciles, each parsed from a stream of line batches (memory does not
 * grow with the file; a camt.053 document is cut at its `</Ntry>` boundaries and each entry parsed
 * alone):
 *
 * - `acquirer_csv`, the sandbox acquirer's daily settlement file:
 *   `settlement_date,rrn,type,amount,currency` (type purchase | refund | chargeback, decimal
 *   major units), ending in a `TRAILER,<record count>` line — a file without it is truncated;
 * - `wallet_bill`, an outside wallet's bill: `# <wallet> bill <date>` first, then
 *   `trade_no|out_trade_no|kind|amount_minor|currency|finished_at` (kind PAY | REFUND), ending in
 *   `# end <record count> records`;
 * - `camt053`, the bank's ISO 20022 statement for one of Hutong's accounts;
 * - `biller_eod`, a biller's end-of-day file (billers.ts: matched against bill payments, not the ledger).
 */
export type FileKind = 'acquirer_csv' | 'wallet_bill' | 'camt053' | 'biller_eod';
export const fileKinds: readonly FileKind[] = ['acquirer_csv', 'wallet_bill', 'camt053', 'biller_eod'];

export interface FileLine {
  readonly lineNo: number;
  /** The channel's reference as written in the file (an RRN, a wallet order, an EndToEndId). */
  readonly reference: string;
  /** Signed from Hutong's side of the account: + money owed to / received by Hutong. */
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly date: string;
}

export interface FileMeta {
  /** Whose account the file reports: the channel's receivable, or Hutong's bank account. */
  ownerType: 'channel' | 'bank';
  ownerId: string;
  code: 'receivable' | 'reserve';
  /** Ledger postings created before this instant should be in the file. */
  until: string;
  records: number;
  /** camt.053 only: the account's currency (the statement covers that one ledger account). */
  currency?: string;
  /** camt.053 only: the closing balance the bank reports. */
  closing?: { currency: string; minor: bigint };
}

export class ReconFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReconFileError';
  }
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(d.getTime() + 86_400_000).toISOString();
}

/** Groups a stream of lines into batches (the parsers and the matcher work a batch at a time). */
export async function* batchesOf(lines: AsyncIterable<string>, size = 2048): AsyncGenerator<string[]> {
  let batch: string[] = [];
  for await (const line of lines) {
    batch.push(line);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const currencies = new Map<string, boolean>();
function knownCurrency(code: string): boolean {
  let known = currencies.get(code);
  if (known === undefined) {
    known = findCurrency(code) !== undefined;
    if (currencies.size < 1000) currencies.set(code, known);
  }
  return known;
}

interface Reader {
  push(batch: readonly string[], out: FileLine[]): void;
  end(out: FileLine[]): void;
}

/** acquirer CSV and wallet bill: one record a line, a header first and a trailer last. */
function lineReader(kind: 'acquirer_csv' | 'wallet_bill', meta: FileMeta, options: { channel?: string }): Reader {
  let lineNo = 0;
  let records = 0;
  let trailer: number | undefined;
  let maxDate = '';
  meta.ownerType = 'channel';
  meta.code = 'receivable';
  if (kind === 'acquirer_csv') meta.ownerId = options.channel ?? 'sandbox_acquirer';
  const csv = (line: string, out: FileLine[]) => {
    if (lineNo === 1) {
      if (line !== 'settlement_date,rrn,type,amount,currency')
        throw new ReconFileError('line 1: expected the header settlement_date,rrn,type,amount,currency');
      return;
    }
    const f = line.split(',');
    if (f[0] === 'TRAILER') {
      trailer = Number(f[1]);
      return;
    }
    if (f.length !== 5) throw new ReconFileError(`line ${lineNo}: expected 5 fields, found ${f.length}`);
    const [date, rrn, type, decimal, code] = f as [string, string, string, string, string];
    if (!datePattern.test(date)) throw new ReconFileError(`line ${lineNo}: settlement_date ${date} is not YYYY-MM-DD`);
    if (!knownCurrency(code)) throw new ReconFileError(`line ${lineNo}: unknown currency ${code || '(none)'}`);
    const parsed = parseDecimal(decimal, code);
    if (isMoneyFailure(parsed)) throw new ReconFileError(`line ${lineNo}: amount ${decimal}: ${parsed.detail}`);
    if (type !== 'purchase' && type !== 'refund' && type !== 'chargeback')
      throw new ReconFileError(`line ${lineNo}: type ${type} is not purchase, refund or chargeback`);
    if (rrn === '') throw new ReconFileError(`line ${lineNo}: no rrn`);
    records++;
    if (date > maxDate) maxDate = date;
    out.push({ lineNo, reference: rrn, amountMinor: type === 'purchase' ? parsed.minor : -parsed.minor, currency: code, date });
  };
  const bill = (line: string, out: FileLine[]) => {
    if (lineNo === 1) {
      const m = /^# ([a-z][a-z0-9_]*) bill (\d{4}-\d{2}-\d{2})$/.exec(line);
      if (m === null) throw new ReconFileError('line 1: expected "# <wallet> bill <YYYY-MM-DD>"');
      meta.ownerId = m[1] as string;
      maxDate = m[2] as string;
      return;
    }
    if (lineNo === 2) {
      if (line !== 'trade_no|out_trade_no|kind|amount_minor|currency|finished_at')
        throw new ReconFileError('line 2: expected the column line trade_no|out_trade_no|kind|amount_minor|currency|finished_at');
      return;
    }
    const end = /^# end (\d+) records$/.exec(line);
    if (end !== null) {
      trailer = Number(end[1]);
      return;
    }
    const f = line.split('|');
    if (f.length !== 6) throw new ReconFileError(`line ${lineNo}: expected 6 fields, found ${f.length}`);
    const [, outTradeNo, kindField, minor, code, finishedAt] = f as [string, string, string, string, string, string];
    if (!knownCurrency(code)) throw new ReconFileError(`line ${lineNo}: unknown currency ${code || '(none)'}`);
    if (!/^\d{1,18}$/.test(minor)) throw new ReconFileError(`line ${lineNo}: amount_minor ${minor} is not a whole number of minor units`);
    if (kindField !== 'PAY' && kindField !== 'REFUND') throw new ReconFileError(`line ${lineNo}: kind ${kindField} is not PAY or REFUND`);
    records++;
    out.push({
      lineNo,
      reference: outTradeNo,
      amountMinor: kindField === 'PAY' ? BigInt(minor) : -BigInt(minor),
      currency: code,
      date: finishedAt.slice(0, 10),
    });
  };
  const one = kind === 'acquirer_csv' ? csv : bill;
  return {
    push(batch, out) {
      for (let i = 0; i < batch.length; i++) {
        const raw = batch[i] as string;
        lineNo++;
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line === '') continue;
        if (trailer !== undefined) throw new ReconFileError(`line ${lineNo}: data after the trailer`);
        one(line, out);
      }
    },
    end() {
      if (trailer === undefined) throw new ReconFileError(`the file ends at line ${lineNo} without its trailer: truncated`);
      if (trailer !== records)
        throw new ReconFileError(`the trailer counts ${trailer} records, the file has ${records}: truncated or altered`);
      meta.records = records;
      meta.until = maxDate === '' ? meta.until : dayAfter(maxDate);
    },
  };
}

export interface ParseOptions {
  /** acquirer_csv: the channel the file is from. */
  readonly channel?: string;
  /**
   * camt053: the bank's account ids (IBAN or other id, upper case, no spaces) → Hutong's account
   * names (HUTONG-RESERVE-EUR…), from HUTONG_BANK_ACCOUNT_IDS. Statements naming Hutong's own
   * names (the sandbox bank) need none.
   */
  readonly bankAccounts?: ReadonlyMap<string, string>;
}

const closers = '</Stmt></BkToCstmrStmt></Document>';
const entryStart = /<Ntry[\s>]/g;

/**
 * camt.053, streamed: the text before the first `<Ntry>` is the statement's header (account,
 * currency, balances: checked at once, closed artificially), each `<Ntry>…</Ntry>` is parsed alone as
 * soon as its end arrives, and at the end the header with the document's real ending must parse as
 * a whole statement (a file cut short fails there, or inside its last entry).
 */
function camtReader(meta: FileMeta, options: ParseOptions): Reader {
  let buffer = '';
  let head: string | undefined;
  let entries = 0;
  const started = meta.until;
  const header = (xml: string, partial: boolean) => {
    const camt = parseCamt053(partial ? xml + closers : xml);
    if ('failure' in camt) throw new ReconFileError(partial ? `the statement's header: ${camt.detail}` : camt.detail);
    // A real bank names the account by its IBAN or its own id: configuration maps that to Hutong's name.
    const name = options.bankAccounts?.get(camt.account.toUpperCase()) ?? camt.account;
    const m = /^HUTONG-(RESERVE|SETTLEMENT)-([A-Z]{3})$/.exec(name);
    if (m === null)
      throw new ReconFileError(
        `the statement is for account ${camt.account}, not one of Hutong's (map the bank's account ids with HUTONG_BANK_ACCOUNT_IDS)`,
      );
    if (m[2] !== camt.currency)
      throw new ReconFileError(`the statement for ${name} is in ${camt.currency}, the account holds ${m[2] as string}`);
    // The statement covers everything booked up to its making: ledger postings up to the import.
    const until = new Date(Date.parse(started) + 1).toISOString();
    Object.assign(meta, {
      ownerType: 'bank',
      ownerId: 'sandbox',
      code: 'reserve',
      until,
      currency: camt.currency,
      closing: { currency: camt.currency, minor: camt.closingMinor },
    });
    return camt;
  };
  const drain = (out: FileLine[]) => {
    if (head === undefined) {
      entryStart.lastIndex = 0;
      const first = entryStart.exec(buffer);
      if (first === null) return;
      head = buffer.slice(0, first.index);
      buffer = buffer.slice(first.index);
      header(head, true);
    }
    let from = 0;
    for (;;) {
      const close = buffer.indexOf('</Ntry>', from);
      if (close === -1) break;
      const end = close + '</Ntry>'.length;
      const n = ++entries;
      const e = parseCamt053Entry(buffer.slice(from, end), n);
      if ('failure' in e) throw new ReconFileError(e.detail);
      if (!knownCurrency(e.currency)) throw new ReconFileError(`entry ${n}: unknown currency ${e.currency}`);
      from = end;
      // Pending and information-only entries are not bookings: nothing to reconcile yet.
      if (e.status !== 'BOOK') continue;
      out.push({ lineNo: n, reference: e.reference, amountMinor: e.amountMinor, currency: e.currency, date: e.bookingDate });
    }
    buffer = buffer.slice(from);
  };
  return {
    push(batch, out) {
      buffer += `${batch.join('\n')}\n`;
      drain(out);
    },
    end(out) {
      drain(out);
      if (head === undefined) {
        // No unprefixed <Ntry> seen: the document was held whole (small, or entries written with a
        // namespace prefix), and its entries come from parsing it whole.
        const camt = header(buffer, false);
        for (const [i, e] of camt.entries.entries()) {
          if (!knownCurrency(e.currency)) throw new ReconFileError(`entry ${i + 1}: unknown currency ${e.currency}`);
          if (e.status !== 'BOOK') continue;
          out.push({ lineNo: i + 1, reference: e.reference, amountMinor: e.amountMinor, currency: e.currency, date: e.bookingDate });
        }
        entries = camt.entries.length;
      } else {
        entryStart.lastIndex = 0;
        if (entryStart.test(buffer)) throw new ReconFileError(`entry ${entries + 1} has no </Ntry>: the statement is truncated`);
        header(head + buffer, false);
      }
      meta.records = entries;
    },
  };
}

/**
 * Parses a file given as batches of lines; yields the records of each batch (none for a batch of
 * header lines). `meta` is filled as the stream goes and is complete once the generator is done.
 * Throws ReconFileError naming the line for anything malformed or a missing trailer.
 */
export async function* parseBatches(
  kind: FileKind,
  batches: AsyncIterable<readonly string[]>,
  meta: FileMeta,
  options: ParseOptions = {},
): AsyncGenerator<FileLine[]> {
  if (kind === 'biller_eod') throw new ReconFileError('a biller file is read by importBillerFile (billers.ts)');
  const reader = kind === 'camt053' ? camtReader(meta, options) : lineReader(kind, meta, options);
  for await (const batch of batches) {
    const out: FileLine[] = [];
    reader.push(batch, out);
    if (out.length > 0) yield out;
  }
  const out: FileLine[] = [];
  reader.end(out);
  if (out.length > 0) yield out;
}

/** The same, one line at a time. */
export async function* parseFile(
  kind: FileKind,
  lines: AsyncIterable<string>,
  meta: FileMeta,
  options: ParseOptions = {},
): AsyncGenerator<FileLine> {
  for await (const batch of parseBatches(kind, batchesOf(lines), meta, options)) yield* batch;
}
