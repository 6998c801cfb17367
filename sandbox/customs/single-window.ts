import type { Clock } from '../../src/core/clock.js';
import { queryRawData, type RawDataAnswer, type RawDataVerdict } from './raw-data.js';
import { paidAddsUp, reasons, schemaProblem, status } from './rules.js';
import {
  cebMessage,
  cebTime,
  child,
  escapeXml,
  fenOf,
  fieldsOf,
  newGuid,
  parseMessage,
  sign,
  signatureKeyName,
  verify,
  type Fields,
} from './wire.js';

/**
 * The customs single window's state and rules, without HTTP (server.ts serves it): declarants
 * registered with their certificate, the orders, payment slips, waybills and inventory lists it
 * stored, and the receipts it wrote, in order, for each declarant to poll or be pushed.
 */
export interface Declarant {
  readonly copCode: string;
  readonly copName: string;
  readonly certNo: string;
  readonly publicKeyPem: string;
  /** Where receipts are pushed (POST application/xml); unset: poll only. */
  readonly receiptUrl?: string;
  /** A payment institution's answer service for raw-payment-data queries (POST JSON). */
  readonly queryUrl?: string;
}

export interface Receipt {
  readonly seq: number;
  readonly copCode: string;
  /** The guid of the message this receipt answers. */
  readonly guid: string;
  readonly kind: string;
  readonly returnStatus: string;
  readonly returnInfo: string;
  readonly xml: string;
}

export interface InventoryView {
  readonly orderNo: string;
  readonly ebpCode: string;
  readonly logisticsNo: string;
  readonly status: 'released' | 'returned';
  readonly returnStatus: string;
  readonly reason: string | null;
  readonly matched: { readonly order: boolean; readonly payment: boolean; readonly waybill: boolean };
}

const receiptKinds: Record<string, { kind: string; block: string; head: string; keys: readonly string[] }> = {
  CEB311: { kind: 'CEB312', block: 'OrderReturn', head: 'OrderReturn', keys: ['ebpCode', 'ebcCode', 'orderNo'] },
  CEB411: { kind: 'CEB412', block: 'PaymentReturn', head: 'PaymentReturn', keys: ['payCode', 'payTransactionId'] },
  CEB511: { kind: 'CEB512', block: 'LogisticsReturn', head: 'LogisticsReturn', keys: ['logisticsCode', 'logisticsNo'] },
  CEB621: { kind: 'CEB622', block: 'InventoryReturn', head: 'InventoryReturn', keys: ['agentCode', 'ebpCode', 'ebcCode', 'orderNo'] },
};

const heads: Record<string, [string, string]> = {
  CEB311: ['Order', 'OrderHead'],
  CEB411: ['Payment', 'PaymentHead'],
  CEB511: ['Logistics', 'LogisticsHead'],
  CEB621: ['Inventory', 'InventoryHead'],
};

export const receiptsKeptMax = 100_000;

export interface SingleWindowOptions {
  readonly clock: Clock;
  /** Customs' own key: receipts are signed with it so declarants can trust what they poll. */
  readonly key: { readonly privateKeyPem: string; readonly publicKeyPem: string; readonly certNo: string };
  readonly singleMaxFen?: bigint;
  readonly annualMaxFen?: bigint;
  /** Called with each new receipt (server.ts pushes it). */
  readonly onReceipt?: (receipt: Receipt) => void;
}

export function createSingleWindow(options: SingleWindowOptions) {
  const { clock } = options;
  const singleMaxFen = options.singleMaxFen ?? 500_000n;
  const annualMaxFen = options.annualMaxFen ?? 2_600_000n;
  const declarants = new Map<string, Declarant>();
  const seen = new Map<string, { kind: string; copCode: string; head: Fields; receipts: Receipt[] }>();
  const orders = new Map<string, Fields>();
  const payments = new Map<string, Fields & { guid: string }>();
  const waybills = new Map<string, Fields>();
  const inventories = new Map<string, InventoryView>();
  const releasedByBuyerYear = new Map<string, bigint>();
  const receipts: Receipt[] = [];
  let seq = 0;

  function register(declarant: Declarant): void {
    declarants.set(declarant.copCode, declarant);
  }

  function write(copCode: string, kind: string, head: Fields, guid: string, returnStatus: string, returnInfo: string): Receipt {
    const spec = receiptKinds[kind] ?? { kind: 'CEB000', block: 'Return', head: 'Return', keys: [] };
    const fields: Fields = { guid };
    for (const k of spec.keys) fields[k] = head[k] ?? '';
    Object.assign(fields, { returnStatus, returnTime: cebTime(clock.now(), true), returnInfo });
    const body = `<ceb:${spec.block}>${Object.entries(fields)
      .map(([k, v]) => `<ceb:${k}>${escapeXml(v)}</ceb:${k}>`)
      .join('')}</ceb:${spec.block}>`;
    const unsigned = cebMessage(spec.kind, newGuid(), body, {
      copCode: 'CUSTOMS',
      copName: '海关',
      dxpMode: 'DXP',
      dxpId: 'CUSTOMS',
      note: '',
    });
    const receipt: Receipt = { seq: ++seq, copCode, guid, kind: spec.kind, returnStatus, returnInfo, xml: sign(unsigned, options.key) };
    receipts.push(receipt);
    if (receipts.length > receiptsKeptMax) receipts.shift();
    seen.get(guid)?.receipts.push(receipt);
    options.onReceipt?.(receipt);
    return receipt;
  }

  /**
   * Takes one message. Answers at once with the synchronous receipt (2 = declaring, or an error);
   * the business receipts (120, 100, 800) follow through `onReceipt` and the poll list.
   */
  function accept(xml: string): Receipt {
    const parsed = parseMessage(xml);
    if ('error' in parsed) return write('', 'CEB000', {}, '', status.malformed, parsed.error);
    const names = heads[parsed.kind];
    const head = names === undefined ? {} : fieldsOf(child(child(parsed.root, names[0]), names[1]));
    const base = fieldsOf(child(parsed.root, 'BaseTransfer'));
    const copCode = base.copCode ?? '';
    const replay = seen.get(parsed.guid);
    // The same message again (same guid): customs answers as before and stores nothing new.
    if (replay !== undefined && replay.kind === parsed.kind && replay.receipts[0] !== undefined) return replay.receipts[0];
    const problem =
      schemaProblem(parsed.kind, head) ??
      (head.guid !== parsed.guid ? 'guid 与报文头不一致 (head guid differs from the message guid)' : undefined);
    if (problem !== undefined) return write(copCode, parsed.kind, head, parsed.guid, status.malformed, problem);
    const declarant = declarants.get(copCode);
    if (declarant === undefined) return write(copCode, parsed.kind, head, parsed.guid, status.malformed, reasons.unknownSender);
    if (head.appStatus === '2' && (signatureKeyName(xml) !== declarant.certNo || !verify(xml, declarant.publicKeyPem)))
      return write(copCode, parsed.kind, head, parsed.guid, status.badSignature, reasons.badSignature);
    seen.set(parsed.guid, { kind: parsed.kind, copCode, head, receipts: [] });
    const duplicate = store(parsed.kind, parsed.guid, head);
    if (duplicate) {
      seen.delete(parsed.guid);
      return write(copCode, parsed.kind, head, parsed.guid, status.duplicate, reasons.duplicate);
    }
    const first = write(copCode, parsed.kind, head, parsed.guid, status.declaring, '申报中 (declaring)');
    queueMicrotask(() => conclude(parsed.kind, copCode, parsed.guid, head));
    return first;
  }

  /** Keeps the message; true when it is a new declaration (appType 1) of something already declared. */
  function store(kind: string, guid: string, head: Fields): boolean {
    const isNew = head.appType === '1';
    if (kind === 'CEB311') {
      const key = `${head.ebpCode}|${head.orderNo}`;
      if (isNew && orders.has(key)) return true;
      orders.set(key, head);
    } else if (kind === 'CEB411') {
      const key = `${head.payCode}|${head.payTransactionId}|${head.orderNo}`;
      const before = payments.get(key);
      // A withdrawal (appType 3) changes nothing until customs concludes it (conclude below).
      if (head.appType === '3') return false;
      if (isNew && before !== undefined && before.guid !== guid) return true;
      payments.set(key, { ...head, guid });
    } else if (kind === 'CEB511') {
      const key = `${head.logisticsCode}|${head.logisticsNo}`;
      if (isNew && waybills.has(key)) return true;
      waybills.set(key, head);
    }
    return false;
  }

  function conclude(kind: string, copCode: string, guid: string, head: Fields): void {
    if (kind === 'CEB411' && head.appType === '3') {
      // A payment slip withdrawn (the payment refunded): refused once the goods of its order are released.
      const inventory = inventories.get(`${head.ebpCode}|${head.orderNo}`);
      if (inventory?.status === 'released') {
        write(copCode, kind, head, guid, status.returned, reasons.withdrawAfterRelease);
        return;
      }
      payments.delete(`${head.payCode}|${head.payTransactionId}|${head.orderNo}`);
      write(copCode, kind, head, guid, status.stored, '撤销成功 (withdrawn by customs)');
      return;
    }
    if (kind !== 'CEB621') {
      write(copCode, kind, head, guid, status.stored, '海关入库成功 (stored by customs)');
      return;
    }
    write(copCode, kind, head, guid, status.stored, '海关入库成功 (stored by customs)');
    const { reason, matched } = match(head);
    const view: InventoryView = {
      orderNo: head.orderNo ?? '',
      ebpCode: head.ebpCode ?? '',
      logisticsNo: head.logisticsNo ?? '',
      status: reason === undefined ? 'released' : 'returned',
      returnStatus: reason === undefined ? status.released : status.returned,
      reason: reason ?? null,
      matched,
    };
    inventories.set(`${head.ebpCode}|${head.orderNo}`, view);
    if (reason !== undefined) write(copCode, kind, head, guid, status.returned, reason);
    else write(copCode, kind, head, guid, status.released, '放行 (released)');
  }

  /** The three orders against the inventory list: the first reason it is returned, or none. */
  function match(inventory: Fields): { reason?: string; matched: InventoryView['matched'] } {
    const order = orders.get(`${inventory.ebpCode}|${inventory.orderNo}`);
    const payment = order === undefined ? undefined : payments.get(`${order.payCode}|${order.payTransactionId}|${order.orderNo}`);
    const waybill = waybills.get(`${inventory.logisticsCode}|${inventory.logisticsNo}`);
    const matched = { order: order !== undefined, payment: payment !== undefined, waybill: waybill !== undefined };
    if (order === undefined) return { reason: reasons.orderMissing, matched };
    if (payment === undefined || payment.ebpCode !== order.ebpCode) return { reason: reasons.paymentMissing, matched };
    if (waybill === undefined || waybill.orderNo !== order.orderNo) return { reason: reasons.waybillMissing, matched };
    if (!paidAddsUp(order)) return { reason: reasons.paidFormula, matched };
    const paid = fenOf(order.acturalPaid) as bigint;
    if (paid !== fenOf(payment.amountPaid)) return { reason: reasons.paidMismatch, matched };
    if (order.buyerName !== payment.payerName || order.buyerIdNumber !== payment.payerIdNumber)
      return { reason: reasons.payerMismatch, matched };
    if (inventory.buyerIdNumber !== order.buyerIdNumber || inventory.buyerName !== order.buyerName)
      return { reason: reasons.payerMismatch, matched };
    if (order.consignee !== waybill.consignee) return { reason: reasons.consigneeMismatch, matched };
    if (paid > singleMaxFen) return { reason: reasons.overSingle, matched };
    const year = cebTime(clock.now()).slice(0, 4);
    const key = `${order.buyerIdNumber}|${year}`;
    const used = releasedByBuyerYear.get(key) ?? 0n;
    if (used + paid > annualMaxFen) return { reason: reasons.overAnnual, matched };
    releasedByBuyerYear.set(key, used + paid);
    return { matched };
  }

  /** A raw-payment-data query to a payment institution: the slip customs holds for the order. */
  function paymentFor(ebpCode: string, orderNo: string): (Fields & { guid: string }) | undefined {
    for (const p of payments.values()) if (p.ebpCode === ebpCode && p.orderNo === orderNo) return p;
    return undefined;
  }

  /** Asks the payment institution `copCode` for the raw record of an order and checks the answer. */
  async function rawDataQuery(
    copCode: string,
    ebpCode: string,
    orderNo: string,
    send?: (query: Record<string, string>) => Promise<RawDataAnswer | null>,
  ): Promise<RawDataVerdict | undefined> {
    const declarant = declarants.get(copCode);
    if (declarant === undefined) return undefined;
    const viaHttp = async (query: Record<string, string>) => {
      if (declarant.queryUrl === undefined) return null;
      const answer = await fetch(declarant.queryUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(query),
      });
      return answer.ok ? ((await answer.json()) as RawDataAnswer) : null;
    };
    return queryRawData({
      clock,
      customsKeyPem: options.key.privateKeyPem,
      declarantPublicKeyPem: declarant.publicKeyPem,
      orderNo,
      slip: paymentFor(ebpCode, orderNo),
      send: send ?? viaHttp,
    });
  }

  return {
    register,
    rawDataQuery,
    declarant: (copCode: string) => declarants.get(copCode),
    accept,
    receiptsFor: (copCode: string, after: number, limit: number) =>
      receipts.filter((r) => r.copCode === copCode && r.seq > after).slice(0, limit),
    inventory: (ebpCode: string, orderNo: string) => inventories.get(`${ebpCode}|${orderNo}`),
    /** How many distinct messages of a kind customs stored for a payment (exactly-once checks). */
    paymentSlips: (payTransactionId: string) =>
      [...seen.values()].filter((m) => m.kind === 'CEB411' && m.head.payTransactionId === payTransactionId).length,
    paymentFor,
  };
}

export type SingleWindow = ReturnType<typeof createSingleWindow>;
