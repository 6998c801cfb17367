import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import { formatDecimal } from '../money/index.js';

/** The CEB411 payment slip (domain.md §7), built with xmlbuilder2; field order as the schema's. */
export const cebNamespace = 'http://www.chinaport.gov.cn/ceb';

export interface PaymentSlip {
  readonly guid: string;
  /** 1 new, 2 change, 3 delete (a refund withdraws the slip). */
  readonly appType: '1' | '2' | '3';
  readonly appTime: Date;
  readonly payCode: string;
  readonly payName: string;
  readonly payTransactionId: string;
  readonly orderNo: string;
  readonly ebpCode: string;
  readonly ebpName: string;
  readonly payerName: string;
  readonly payerIdNumber: string;
  readonly telephone: string;
  readonly amountPaidFen: bigint;
  readonly payTime: Date;
  readonly note: string;
  readonly copCode: string;
  readonly copName: string;
  readonly dxpId: string;
}

/** The 36-character upper-case guid every CEB message and head carries. */
export const newGuid = () => randomUUID().toUpperCase();

/** yyyyMMddHHmmss in China time (UTC+8), as customs reads it. */
export function cebTime(at: Date): string {
  const t = new Date(at.getTime() + 8 * 3_600_000).toISOString();
  return t.slice(0, 4) + t.slice(5, 7) + t.slice(8, 10) + t.slice(11, 13) + t.slice(14, 16) + t.slice(17, 19);
}

export function buildCeb411(slip: PaymentSlip): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(cebNamespace, 'ceb:CEB411Message', { guid: slip.guid, version: '1.0' });
  const head = doc.ele(cebNamespace, 'ceb:Payment').ele(cebNamespace, 'ceb:PaymentHead');
  const fields: [string, string][] = [
    ['guid', slip.guid],
    ['appType', slip.appType],
    ['appTime', cebTime(slip.appTime)],
    ['appStatus', '2'],
    ['payCode', slip.payCode],
    ['payName', slip.payName],
    ['payTransactionId', slip.payTransactionId],
    ['orderNo', slip.orderNo],
    ['ebpCode', slip.ebpCode],
    ['ebpName', slip.ebpName],
    ['payerIdType', '1'],
    ['payerIdNumber', slip.payerIdNumber],
    ['payerName', slip.payerName],
    ['telephone', slip.telephone],
    ['amountPaid', formatDecimal({ minor: slip.amountPaidFen, currency: 'CNY' })],
    ['currency', '142'],
    ['payTime', cebTime(slip.payTime)],
    ['note', slip.note],
  ];
  for (const [name, value] of fields) head.ele(cebNamespace, `ceb:${name}`).txt(value);
  const base = doc.ele(cebNamespace, 'ceb:BaseTransfer');
  const transfer: [string, string][] = [
    ['copCode', slip.copCode],
    ['copName', slip.copName],
    ['dxpMode', 'DXP'],
    ['dxpId', slip.dxpId],
    ['note', ''],
  ];
  for (const [name, value] of transfer) base.ele(cebNamespace, `ceb:${name}`).txt(value);
  return doc.end({ prettyPrint: false });
}

export interface ParsedReceipt {
  readonly kind: string;
  /** The guid of the message answered. */
  readonly guid: string;
  readonly returnStatus: string;
  readonly returnInfo: string;
  readonly returnTime: string;
}

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** A CEB412 receipt's head, or undefined when the text is not one. */
export function parseReceipt(xml: string): ParsedReceipt | undefined {
  let tree: Record<string, unknown>;
  try {
    tree = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const rootName = Object.keys(tree).find((k) => /^CEB\d{3}Message$/.test(k));
  if (rootName === undefined) return undefined;
  const root = tree[rootName] as Record<string, unknown>;
  const head = Object.entries(root).find(([k, v]) => k.endsWith('Return') && typeof v === 'object')?.[1] as
    Record<string, unknown> | undefined;
  if (head === undefined) return undefined;
  const text = (name: string) => (typeof head[name] === 'string' ? (head[name] as string) : '');
  return {
    kind: rootName.slice(0, 6),
    guid: text('guid'),
    returnStatus: text('returnStatus'),
    returnInfo: text('returnInfo'),
    returnTime: text('returnTime'),
  };
}

/** The PaymentHead fields of a CEB411 we built (to build the next version of it). */
export function slipHeadOf(xml: string): Record<string, string> | undefined {
  let tree: Record<string, unknown>;
  try {
    tree = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const root = tree.CEB411Message as Record<string, unknown> | undefined;
  const head = (root?.Payment as Record<string, unknown> | undefined)?.PaymentHead as Record<string, unknown> | undefined;
  if (head === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(head)) if (typeof v === 'string') fields[k] = v;
  return fields;
}
