import { parseCamt053 } from '../channels/bank/iso20022.js';
import { findCurrency, isMoneyFailure, parseDecimal } from '../money/index.js';

/**
 * The statement files Hutong reconciles, each parsed line by line from a stream (memory does not
 * grow with the file; camt.053 is the exception, an XML document read whole):
 *
 * - `acquirer_csv`, the sandbox acquirer's daily settlement file:
 *   `settlement_date,rrn,type,amount,currency` (type purchase | refund | chargeback, decimal
 *   major units), ending in a `TRAILER,<record count>` line — a file without it is truncated;
 * - `wallet_bill`, an outside wallet's bill: `# <wallet> bill <date>` first, then
 *   `trade_no|out_trade_no|kind|amount_minor|currency|finished_at` (kind PAY | REFUND), ending in
 *   `# end <record count> records`;
 * - `camt053`, the bank's ISO 20022 statement for one of Hutong's accounts.
 */
export type FileKind = 'acquirer_csv' | 'wallet_bill' | 'camt053';
export const fileKinds: readonly FileKind[] = ['acquirer_csv', 'wallet_bill', 'camt053'];

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

function currencyOf(code: string | undefined, lineNo: number): string {
  if (code === undefined || findCurrency(code) === undefined) throw new ReconFileError(`line ${lineNo}: unknown currency ${code ?? '(none)'}`);
  return code;
}

/**
 * Parses a file into lines; `meta` is filled as the stream goes and is complete once the generator
 * is done. Throws ReconFileError naming the line for anything malformed or a missing trailer.
 */
export async function* parseFile(kind: FileKind, lines: AsyncIterable<string>, meta: FileMeta, options: { channel?: string } = {}): AsyncGenerator<FileLine> {
  if (kind === 'camt053') {
    let text = '';
    for await (const line of lines) text += `${line}\n`;
    const camt = parseCamt053(text);
    if ('failure' in camt) throw new ReconFileError(camt.detail);
    const m = /^HUTONG-(RESERVE|SETTLEMENT)-[A-Z]{3}$/.exec(camt.account);
    if (m === null) throw new ReconFileError(`the statement is for account ${camt.account}, not one of Hutong's`);
    // The statement covers everything booked up to its making: ledger postings up to the import.
    const until = new Date(Date.parse(meta.until) + 1).toISOString();
    Object.assign(meta, { ownerType: 'bank', ownerId: 'sandbox', code: 'reserve', until, currency: camt.currency, records: camt.entries.length, closing: { currency: camt.currency, minor: camt.closingMinor } });
    for (const [i, e] of camt.entries.entries()) {
      currencyOf(e.currency, i + 1);
      yield { lineNo: i + 1, reference: e.reference, amountMinor: e.amountMinor, currency: e.currency, date: e.bookingDate };
    }
    return;
  }
  let lineNo = 0;
  let records = 0;
  let trailer: number | undefined;
  let maxDate = '';
  meta.ownerType = 'channel';
  meta.code = 'receivable';
  for await (const raw of lines) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    if (trailer !== undefined) throw new ReconFileError(`line ${lineNo}: data after the trailer`);
    if (kind === 'acquirer_csv') {
      if (lineNo === 1) {
        if (line !== 'settlement_date,rrn,type,amount,currency') throw new ReconFileError('line 1: expected the header settlement_date,rrn,type,amount,currency');
        meta.ownerId = options.channel ?? 'sandbox_acquirer';
        continue;
      }
      const f = line.split(',');
      if (f[0] === 'TRAILER') {
        trailer = Number(f[1]);
        continue;
      }
      if (f.length !== 5) throw new ReconFileError(`line ${lineNo}: expected 5 fields, found ${f.length}`);
      const [date, rrn, type, decimal, code] = f as [string, string, string, string, string];
      if (!datePattern.test(date)) throw new ReconFileError(`line ${lineNo}: settlement_date ${date} is not YYYY-MM-DD`);
      const currency = currencyOf(code, lineNo);
      const parsed = parseDecimal(decimal, currency);
      if (isMoneyFailure(parsed)) throw new ReconFileError(`line ${lineNo}: amount ${decimal}: ${parsed.detail}`);
      if (type !== 'purchase' && type !== 'refund' && type !== 'chargeback') throw new ReconFileError(`line ${lineNo}: type ${type} is not purchase, refund or chargeback`);
      if (rrn === '') throw new ReconFileError(`line ${lineNo}: no rrn`);
      records++;
      if (date > maxDate) maxDate = date;
      yield { lineNo, reference: rrn, amountMinor: type === 'purchase' ? parsed.minor : -parsed.minor, currency, date };
    } else {
      if (lineNo === 1) {
        const m = /^# ([a-z][a-z0-9_]*) bill (\d{4}-\d{2}-\d{2})$/.exec(line);
        if (m === null) throw new ReconFileError('line 1: expected "# <wallet> bill <YYYY-MM-DD>"');
        meta.ownerId = m[1] as string;
        maxDate = m[2] as string;
        continue;
      }
      if (lineNo === 2) {
        if (line !== 'trade_no|out_trade_no|kind|amount_minor|currency|finished_at') throw new ReconFileError('line 2: expected the column line trade_no|out_trade_no|kind|amount_minor|currency|finished_at');
        continue;
      }
      const end = /^# end (\d+) records$/.exec(line);
      if (end !== null) {
        trailer = Number(end[1]);
        continue;
      }
      const f = line.split('|');
      if (f.length !== 6) throw new ReconFileError(`line ${lineNo}: expected 6 fields, found ${f.length}`);
      const [, outTradeNo, kindField, minor, code, finishedAt] = f as [string, string, string, string, string, string];
      const currency = currencyOf(code, lineNo);
      if (!/^\d{1,18}$/.test(minor)) throw new ReconFileError(`line ${lineNo}: amount_minor ${minor} is not a whole number of minor units`);
      if (kindField !== 'PAY' && kindField !== 'REFUND') throw new ReconFileError(`line ${lineNo}: kind ${kindField} is not PAY or REFUND`);
      records++;
      yield { lineNo, reference: outTradeNo, amountMinor: kindField === 'PAY' ? BigInt(minor) : -BigInt(minor), currency, date: finishedAt.slice(0, 10) };
    }
  }
  if (trailer === undefined) throw new ReconFileError(`the file ends at line ${lineNo} without its trailer: truncated`);
  if (trailer !== records) throw new ReconFileError(`the trailer counts ${trailer} records, the file has ${records}: truncated or altered`);
  meta.records = records;
  meta.until = maxDate === '' ? meta.until : dayAfter(maxDate);
}
