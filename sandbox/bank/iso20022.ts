import { DOMParser, type Element } from '@xmldom/xmldom';
import { amount, findCurrency, formatDecimal, isMoneyFailure, parseDecimal } from '../../src/money/index.js';

/**
 * The ISO 20022 messages as the sandbox bank reads and writes them, written from the standard
 * (the pain.001.001.09, pain.002.001.10 and camt.053.001.08 schemas in test/fixtures/iso20022), not
 * with Hutong's builders and parser: a bank that used Hutong's own code could not catch Hutong's
 * mistakes. It reads the DOM by namespace and checks what a bank's file intake checks before it
 * executes anything: the message namespace, the group header's number of transactions and control
 * sum against the transactions the file holds, and each amount's decimals for its currency.
 */
export const pain001Ns = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';
export const pain002Ns = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.10';
export const camtNs = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

export interface IntakeFailure {
  readonly failure: 'file_rejected';
  readonly detail: string;
}

export interface CreditTransferOrder {
  readonly messageId: string;
  readonly debtorAccount: string;
  readonly transfers: {
    readonly endToEndId: string;
    readonly amountMinor: bigint;
    readonly currency: string;
    readonly creditorName: string;
    readonly iban: string | null;
    readonly account: string | null;
  }[];
}

const rejected = (detail: string): IntakeFailure => ({ failure: 'file_rejected', detail });

/** The child elements of `parent` named `name` in the message's namespace (direct children only). */
function children(parent: Element, name: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === name && (node as Element).namespaceURI === pain001Ns)
      found.push(node as Element);
  }
  return found;
}

function path(parent: Element | undefined, ...names: string[]): Element | undefined {
  let at = parent;
  for (const name of names) at = at === undefined ? undefined : children(at, name)[0];
  return at;
}

const textOf = (e: Element | undefined): string | undefined => {
  const t = e?.textContent?.trim();
  return t === undefined || t === '' ? undefined : t;
};

/** A decimal text scaled to `exponent` digits after the point, exactly; undefined when it has more. */
function scaled(text: string, exponent: number): bigint | undefined {
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (m === null) return undefined;
  const fraction = m[2] ?? '';
  if (fraction.replace(/0+$/, '').length > exponent) return undefined;
  return BigInt((m[1] as string) + fraction.padEnd(exponent, '0').slice(0, exponent));
}

/** Reads a customer credit transfer initiation (pain.001.001.09) as the bank's intake does. */
export function readPain001(xml: string): CreditTransferOrder | IntakeFailure {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(xml, 'text/xml');
  if (errors.length > 0) return rejected(`not well-formed XML: ${errors[0]}`);
  const root = doc.documentElement;
  if (root === null || root.localName !== 'Document') return rejected('the root element is not Document');
  if (root.namespaceURI !== pain001Ns) return rejected(`the bank takes ${pain001Ns}, not ${root.namespaceURI ?? 'no namespace'}`);
  const initiation = path(root as unknown as Element, 'CstmrCdtTrfInitn');
  if (initiation === undefined) return rejected('Document/CstmrCdtTrfInitn is missing');
  const header = path(initiation, 'GrpHdr');
  const messageId = textOf(path(header, 'MsgId'));
  const declaredCount = textOf(path(header, 'NbOfTxs'));
  const declaredSum = textOf(path(header, 'CtrlSum'));
  if (messageId === undefined) return rejected('GrpHdr/MsgId is missing');
  if (declaredCount === undefined || !/^[0-9]{1,15}$/.test(declaredCount)) return rejected('GrpHdr/NbOfTxs is missing or not a number');

  const transfers: CreditTransferOrder['transfers'] = [];
  let debtorAccount = '';
  // CtrlSum adds the instructed amounts as decimals whatever their currencies: kept exact at 5 decimals.
  const sumExponent = 5;
  let sum = 0n;
  for (const info of children(initiation, 'PmtInf')) {
    debtorAccount = textOf(path(info, 'DbtrAcct', 'Id', 'IBAN')) ?? textOf(path(info, 'DbtrAcct', 'Id', 'Othr', 'Id')) ?? '';
    for (const tx of children(info, 'CdtTrfTxInf')) {
      const endToEndId = textOf(path(tx, 'PmtId', 'EndToEndId'));
      if (endToEndId === undefined) return rejected('a CdtTrfTxInf has no PmtId/EndToEndId');
      const instructed = path(tx, 'Amt', 'InstdAmt');
      const currency = instructed?.getAttribute('Ccy') ?? '';
      const value = textOf(instructed);
      if (value === undefined || findCurrency(currency) === undefined)
        return rejected(`${endToEndId}: Amt/InstdAmt needs a value and a known Ccy`);
      const parsed = parseDecimal(value, currency);
      if (isMoneyFailure(parsed)) return rejected(`${endToEndId}: ${parsed.detail}`);
      if (parsed.minor <= 0n) return rejected(`${endToEndId}: the instructed amount must be positive`);
      const asSum = scaled(value, sumExponent);
      if (asSum === undefined) return rejected(`${endToEndId}: ${value} has too many decimals`);
      sum += asSum;
      transfers.push({
        endToEndId,
        amountMinor: parsed.minor,
        currency,
        creditorName: textOf(path(tx, 'Cdtr', 'Nm')) ?? '',
        iban: textOf(path(tx, 'CdtrAcct', 'Id', 'IBAN')) ?? null,
        account: textOf(path(tx, 'CdtrAcct', 'Id', 'Othr', 'Id')) ?? null,
      });
    }
  }
  if (BigInt(declaredCount) !== BigInt(transfers.length))
    return rejected(`GrpHdr/NbOfTxs says ${declaredCount}; the file holds ${transfers.length} transactions`);
  if (declaredSum !== undefined && scaled(declaredSum, sumExponent) !== sum)
    return rejected(`GrpHdr/CtrlSum says ${declaredSum}; the transactions add up to another sum`);
  return { messageId, debtorAccount, transfers };
}

/** An amount as ISO 20022 writes it: the currency's decimals, a point, no grouping. */
export function decimalText(minor: bigint, currency: string): string {
  return formatDecimal(amount(minor, currency));
}
