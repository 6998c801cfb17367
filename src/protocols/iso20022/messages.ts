import { XMLParser } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import { fail, type Failure } from '../../core/index.js';
import { amount, findCurrency, formatDecimal, isMoneyFailure, parseDecimal } from '../../money/index.js';

/**
 * ISO 20022 bank files (domain reference §4): pain.001 credit transfer initiation (built with
 * xmlbuilder2), pain.002 payment status report and camt.053 statement (parsed with fast-xml-parser).
 * Amounts are decimal major units with a Ccy attribute on the wire, bigint minor units inside.
 */
export const painNs = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';
export const pain002Ns = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10';
export const camtNs = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

export interface CreditTransfer {
  readonly endToEndId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly creditorName: string;
  readonly iban?: string | null;
  readonly accountNumber?: string | null;
  readonly bankCode?: string | null;
  /** The creditor's bank (CdtrAgt/FinInstnId/BICFI): what a cross-border transfer is routed by. */
  readonly bic?: string | null;
  /** The clearing system the bank code belongs to (ISO external code: CNAPS, USABA, GBDSC, …). */
  readonly clearingSystem?: string | null;
  /** The creditor's address: ISO 3166 country, town, post code, one free line (street and number). */
  readonly country?: string | null;
  readonly town?: string | null;
  readonly postcode?: string | null;
  readonly addressLine?: string | null;
}

export type ChargeBearer = 'SHAR' | 'DEBT' | 'CRED';

/** What Hutong writes into and reads from bank files by configuration (src/config.ts, HUTONG_BANK_*). */
export interface BankFileSettings {
  /** The bank's account ids (IBAN or other id, upper case) → Hutong's account names. */
  readonly accountIds: ReadonlyMap<string, string>;
  readonly debtorAgentBic: string;
  readonly chargeBearer: ChargeBearer;
}

export interface Pain001 {
  readonly messageId: string;
  readonly createdAt: string;
  readonly debtorName: string;
  readonly debtorAccount: string;
  readonly executionDate: string;
  readonly transfers: readonly CreditTransfer[];
  /** Hutong's bank (DbtrAgt); the sandbox bank's BIC by default. */
  readonly debtorAgentBic?: string;
  /** Who bears the charges of a transfer that is not a euro IBAN transfer (those are SLEV); SHAR by default. */
  readonly chargeBearer?: ChargeBearer;
}

export const sandboxBankBic = 'SBOXCNSHXXX';

export function decimalOf(minor: bigint, currency: string): string {
  return formatDecimal(amount(minor, currency));
}

/**
 * GrpHdr/CtrlSum: the sum of the instructed amounts as decimals, whatever their currencies.
 * Exact: every amount is brought to the largest exponent among them (JPY 0, CNY 2, KWD 3) as a
 * bigint, summed, and written with that many decimals (at least 2, as banks expect for CtrlSum).
 */
export function controlSumOf(transfers: readonly Pick<CreditTransfer, 'amountMinor' | 'currency'>[]): string {
  const exponentOf = (code: string): number => {
    const currency = findCurrency(code);
    if (currency === undefined) throw new Error(`pain.001: unknown currency ${code}`);
    return currency.exponent;
  };
  const scale = Math.max(2, ...transfers.map((t) => exponentOf(t.currency)));
  const total = transfers.reduce((sum, t) => sum + t.amountMinor * 10n ** BigInt(scale - exponentOf(t.currency)), 0n);
  const digits = total.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const present = (v: string | null | undefined): v is string => v !== undefined && v !== null && v !== '';

/** ChrgBr of one transfer: SLEV (the scheme's rules) for a euro transfer to an IBAN, else the configured bearer. */
export function chargeBearerOf(t: Pick<CreditTransfer, 'currency' | 'iban'>, configured: ChargeBearer = 'SHAR'): string {
  return t.currency === 'EUR' && present(t.iban) ? 'SLEV' : configured;
}

/**
 * pain.001.001.09, elements in the schema's order: group header, one PmtInf (Hutong's reserve
 * account at its bank, DbtrAgt by BIC), and per transfer the amount, the charge bearer, the
 * creditor's bank (BIC and/or clearing system member id), the creditor with its postal address and
 * the creditor's account (IBAN or other id).
 */
export function buildPain001(p: Pain001): string {
  const total = controlSumOf(p.transfers);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(painNs, 'Document').ele('CstmrCdtTrfInitn');
  const group = root.ele('GrpHdr');
  group.ele('MsgId').txt(p.messageId);
  group.ele('CreDtTm').txt(p.createdAt);
  group.ele('NbOfTxs').txt(String(p.transfers.length));
  group.ele('CtrlSum').txt(total);
  group.ele('InitgPty').ele('Nm').txt(p.debtorName);
  const info = root.ele('PmtInf');
  info.ele('PmtInfId').txt(p.messageId);
  info.ele('PmtMtd').txt('TRF');
  info.ele('NbOfTxs').txt(String(p.transfers.length));
  info.ele('ReqdExctnDt').ele('Dt').txt(p.executionDate);
  info.ele('Dbtr').ele('Nm').txt(p.debtorName);
  info.ele('DbtrAcct').ele('Id').ele('Othr').ele('Id').txt(p.debtorAccount);
  info
    .ele('DbtrAgt')
    .ele('FinInstnId')
    .ele('BICFI')
    .txt(p.debtorAgentBic ?? sandboxBankBic);
  for (const t of p.transfers) {
    const tx = info.ele('CdtTrfTxInf');
    tx.ele('PmtId').ele('EndToEndId').txt(t.endToEndId);
    tx.ele('Amt').ele('InstdAmt', { Ccy: t.currency }).txt(decimalOf(t.amountMinor, t.currency));
    tx.ele('ChrgBr').txt(chargeBearerOf(t, p.chargeBearer));
    if (present(t.bic) || present(t.bankCode)) {
      const bank = tx.ele('CdtrAgt').ele('FinInstnId');
      if (present(t.bic)) bank.ele('BICFI').txt(t.bic);
      if (present(t.bankCode)) {
        const member = bank.ele('ClrSysMmbId');
        if (present(t.clearingSystem)) member.ele('ClrSysId').ele('Cd').txt(t.clearingSystem);
        member.ele('MmbId').txt(t.bankCode);
      }
    }
    const creditor = tx.ele('Cdtr');
    creditor.ele('Nm').txt(t.creditorName);
    if (present(t.country) || present(t.town) || present(t.addressLine)) {
      const address = creditor.ele('PstlAdr');
      if (present(t.postcode)) address.ele('PstCd').txt(t.postcode);
      if (present(t.town)) address.ele('TwnNm').txt(t.town);
      if (present(t.country)) address.ele('Ctry').txt(t.country);
      if (present(t.addressLine)) address.ele('AdrLine').txt(t.addressLine);
    }
    const id = tx.ele('CdtrAcct').ele('Id');
    if (present(t.iban)) id.ele('IBAN').txt(t.iban);
    else
      id.ele('Othr')
        .ele('Id')
        .txt(t.accountNumber ?? '');
  }
  return root.end({ prettyPrint: true });
}

const arrays = new Set(['CdtTrfTxInf', 'TxInfAndSts', 'Ntry', 'Bal', 'Stmt', 'PmtInf', 'StsRsnInf', 'NtryDtls', 'TxDtls']);
export const xmlParser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  removeNSPrefix: true,
  isArray: (name) => arrays.has(name),
});

type Node = Record<string, unknown>;
const at = (node: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((n, k) => (n !== null && typeof n === 'object' ? (n as Node)[k] : undefined), node);
const text = (node: unknown): string | undefined =>
  typeof node === 'string'
    ? node
    : typeof node === 'object' && node !== null && typeof (node as Node)['#text'] === 'string'
      ? ((node as Node)['#text'] as string)
      : undefined;
const list = (node: unknown): unknown[] => (Array.isArray(node) ? node : node === undefined ? [] : [node]);

export type BankFileFailure = Failure<'bank_file_invalid'>;

function parse(xml: string, root: string): Node | BankFileFailure {
  let doc: unknown;
  try {
    doc = xmlParser.parse(xml, true);
  } catch (error) {
    return fail('bank_file_invalid', `not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const body = at(doc, 'Document', root);
  if (body === undefined || typeof body !== 'object') return fail('bank_file_invalid', `no Document/${root} element`);
  return body as Node;
}

/** An amount element (`<Amt Ccy="EUR">12.30</Amt>`) in minor units, or why not. */
function amountOf(node: unknown, where: string): { minor: bigint; currency: string } | BankFileFailure {
  const currency = at(node, '@_Ccy');
  const value = text(node);
  if (typeof currency !== 'string' || value === undefined) return fail('bank_file_invalid', `${where}: amount without Ccy or value`);
  const parsed = parseDecimal(value.trim(), currency);
  if (isMoneyFailure(parsed)) return fail('bank_file_invalid', `${where}: ${parsed.detail}`);
  return { minor: parsed.minor, currency };
}

export interface Pain001Parsed {
  readonly messageId: string;
  readonly debtorAccount: string;
  readonly transfers: {
    endToEndId: string;
    amountMinor: bigint;
    currency: string;
    creditorName: string;
    iban: string | null;
    account: string | null;
  }[];
}

export function parsePain001(xml: string): Pain001Parsed | BankFileFailure {
  const body = parse(xml, 'CstmrCdtTrfInitn');
  if ('failure' in body) return body as BankFileFailure;
  const messageId = text(at(body, 'GrpHdr', 'MsgId'));
  if (messageId === undefined) return fail('bank_file_invalid', 'GrpHdr/MsgId is missing');
  const transfers: Pain001Parsed['transfers'] = [];
  let debtorAccount = '';
  for (const info of list(at(body, 'PmtInf'))) {
    debtorAccount = text(at(info, 'DbtrAcct', 'Id', 'Othr', 'Id')) ?? text(at(info, 'DbtrAcct', 'Id', 'IBAN')) ?? '';
    for (const tx of list(at(info, 'CdtTrfTxInf'))) {
      const endToEndId = text(at(tx, 'PmtId', 'EndToEndId'));
      if (endToEndId === undefined) return fail('bank_file_invalid', 'a CdtTrfTxInf has no EndToEndId');
      const amt = amountOf(at(tx, 'Amt', 'InstdAmt'), endToEndId);
      if ('failure' in amt) return amt;
      transfers.push({
        endToEndId,
        amountMinor: amt.minor,
        currency: amt.currency,
        creditorName: text(at(tx, 'Cdtr', 'Nm')) ?? '',
        iban: text(at(tx, 'CdtrAcct', 'Id', 'IBAN')) ?? null,
        account: text(at(tx, 'CdtrAcct', 'Id', 'Othr', 'Id')) ?? null,
      });
    }
  }
  return { messageId, debtorAccount, transfers };
}

export interface Pain002 {
  readonly originalMessageId: string;
  readonly groupStatus: string;
  readonly transactions: { endToEndId: string; status: string; reasonCode: string | null; reasonText: string | null }[];
}

export function parsePain002(xml: string): Pain002 | BankFileFailure {
  const body = parse(xml, 'CstmrPmtStsRpt');
  if ('failure' in body) return body as BankFileFailure;
  const original = at(body, 'OrgnlGrpInfAndSts');
  const originalMessageId = text(at(original, 'OrgnlMsgId'));
  const groupStatus = text(at(original, 'GrpSts'));
  if (originalMessageId === undefined || groupStatus === undefined)
    return fail('bank_file_invalid', 'OrgnlGrpInfAndSts/OrgnlMsgId and GrpSts are required');
  const transactions: Pain002['transactions'] = [];
  for (const info of list(at(body, 'OrgnlPmtInfAndSts'))) {
    for (const tx of list(at(info, 'TxInfAndSts'))) {
      const endToEndId = text(at(tx, 'OrgnlEndToEndId'));
      const status = text(at(tx, 'TxSts'));
      if (endToEndId === undefined || status === undefined)
        return fail('bank_file_invalid', 'a TxInfAndSts needs OrgnlEndToEndId and TxSts');
      const reason = list(at(tx, 'StsRsnInf'))[0];
      transactions.push({
        endToEndId,
        status,
        reasonCode: text(at(reason, 'Rsn', 'Cd')) ?? null,
        reasonText: text(at(reason, 'AddtlInf')) ?? null,
      });
    }
  }
  return { originalMessageId, groupStatus, transactions };
}

export interface CamtEntry {
  /**
   * Hutong's reference (EndToEndId) when the bank carries it, else the bank's own (AcctSvcrRef of
   * the entry or its transaction, else NtryRef): `NOTPROVIDED` is no reference, and two entries
   * without one are never taken for duplicates of each other.
   */
  readonly reference: string;
  /** Signed from the account holder's view: + credit (money in), − debit (money out). */
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly bookingDate: string;
  readonly bankReference: string | null;
  /** Entry status (`Sts/Cd`, or `Sts` itself in older versions): BOOK, PDNG or INFO; BOOK when absent. */
  readonly status: string;
}

export interface Camt053 {
  readonly statementId: string;
  /** The account as the bank names it: its IBAN, or its other id (`Acct/Id/Othr/Id`). */
  readonly account: string;
  readonly accountScheme: 'iban' | 'other';
  /** `Acct/Ccy` when the bank gives it (optional in ISO 20022), else the balances' currency. */
  readonly currency: string;
  readonly openingMinor: bigint;
  readonly closingMinor: bigint;
  readonly entries: CamtEntry[];
}

/** The EndToEndId a bank writes when the payer gave none (ISO 20022 usage rule). */
export const notProvided = 'NOTPROVIDED';

/** Opening balance types: OPBD (opening booked), or PRCD (previously closed booked), which some banks send instead. */
const openingCodes = new Set(['OPBD', 'PRCD']);

export function parseCamt053(xml: string): Camt053 | BankFileFailure {
  const body = parse(xml, 'BkToCstmrStmt');
  if ('failure' in body) return body as BankFileFailure;
  const stmt = list(at(body, 'Stmt'))[0];
  if (stmt === undefined) return fail('bank_file_invalid', 'no Stmt element');
  const statementId = text(at(stmt, 'Id'));
  const iban = text(at(stmt, 'Acct', 'Id', 'IBAN'));
  const other = text(at(stmt, 'Acct', 'Id', 'Othr', 'Id'));
  const account = (iban ?? other)?.replace(/\s/g, '');
  if (statementId === undefined || account === undefined || account === '')
    return fail('bank_file_invalid', 'Stmt/Id and Acct/Id (IBAN or Othr/Id) are required');
  let currency = text(at(stmt, 'Acct', 'Ccy'));
  let openingMinor: bigint | undefined;
  let closingMinor: bigint | undefined;
  let opening = '';
  for (const bal of list(at(stmt, 'Bal'))) {
    const code = text(at(bal, 'Tp', 'CdOrPrtry', 'Cd')) ?? '';
    if (!openingCodes.has(code) && code !== 'CLBD') continue;
    const amt = amountOf(at(bal, 'Amt'), `balance ${code}`);
    if ('failure' in amt) return amt;
    if (currency === undefined) currency = amt.currency;
    if (amt.currency !== currency) return fail('bank_file_invalid', `balance ${code} is in ${amt.currency}, the account in ${currency}`);
    const signed = text(at(bal, 'CdtDbtInd')) === 'DBIT' ? -amt.minor : amt.minor;
    // OPBD wins over PRCD when a bank sends both.
    if (openingCodes.has(code) && opening !== 'OPBD') {
      openingMinor = signed;
      opening = code;
    }
    if (code === 'CLBD') closingMinor = signed;
  }
  if (openingMinor === undefined || closingMinor === undefined || currency === undefined)
    return fail('bank_file_invalid', 'the statement needs an opening (OPBD or PRCD) and a closing (CLBD) balance (truncated?)');
  const entries: CamtEntry[] = [];
  for (const [i, ntry] of list(at(stmt, 'Ntry')).entries()) {
    const entry = camtEntryOf(ntry, i + 1);
    if ('failure' in entry) return entry;
    entries.push(entry);
  }
  return { statementId, account, accountScheme: iban !== undefined ? 'iban' : 'other', currency, openingMinor, closingMinor, entries };
}

/** A reference that names something: not absent, not blank, not NOTPROVIDED. */
const given = (value: string | undefined): string | undefined => {
  const v = value?.trim();
  return v === undefined || v === '' || v.toUpperCase() === notProvided ? undefined : v;
};

function camtEntryOf(ntry: unknown, n: number): CamtEntry | BankFileFailure {
  const amt = amountOf(at(ntry, 'Amt'), `entry ${n}`);
  if ('failure' in amt) return amt;
  const indicator = text(at(ntry, 'CdtDbtInd'));
  if (indicator !== 'CRDT' && indicator !== 'DBIT') return fail('bank_file_invalid', `entry ${n}: CdtDbtInd must be CRDT or DBIT`);
  // Sts is mandatory; a statement (camt.053, unlike a camt.052 report) that leaves it out reports bookings.
  const status = text(at(ntry, 'Sts', 'Cd')) ?? text(at(ntry, 'Sts')) ?? 'BOOK';
  const tx = list(at(list(at(ntry, 'NtryDtls'))[0], 'TxDtls'))[0];
  const endToEnd = given(text(at(tx, 'Refs', 'EndToEndId')));
  const bankReference = given(text(at(ntry, 'AcctSvcrRef'))) ?? given(text(at(tx, 'Refs', 'AcctSvcrRef'))) ?? null;
  const reference = endToEnd ?? bankReference ?? given(text(at(ntry, 'NtryRef')));
  if (reference === undefined)
    return fail('bank_file_invalid', `entry ${n}: no reference (EndToEndId, AcctSvcrRef or NtryRef other than NOTPROVIDED)`);
  return {
    reference,
    amountMinor: indicator === 'CRDT' ? amt.minor : -amt.minor,
    currency: amt.currency,
    bookingDate: text(at(ntry, 'BookgDt', 'Dt')) ?? text(at(ntry, 'BookgDt', 'DtTm'))?.slice(0, 10) ?? '',
    bankReference,
    status,
  };
}

/**
 * One `<Ntry>…</Ntry>` element of a camt.053 statement on its own (the streaming reader cuts the
 * document at entry boundaries and parses each entry alone, so a large statement never loads whole).
 */
export function parseCamt053Entry(xml: string, n: number): CamtEntry | BankFileFailure {
  let doc: unknown;
  try {
    doc = xmlParser.parse(xml, true);
  } catch (error) {
    return fail('bank_file_invalid', `entry ${n}: not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const ntry = list(at(doc, 'Ntry'))[0];
  if (ntry === undefined) return fail('bank_file_invalid', `entry ${n}: no Ntry element`);
  return camtEntryOf(ntry, n);
}
