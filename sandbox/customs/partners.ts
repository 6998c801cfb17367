import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/core/clock.js';
import { readBody, sendJson, urlHost } from '../shared/http.js';
import { cebMessage, cebTime, fieldsOf, headAndList, newGuid, parseMessage, sign, yuan, type Fields } from './wire.js';

/**
 * The two other senders customs needs, in one small server with two roles:
 * - the e-commerce platform (`POST /platform/orders`): a marketplace selling imported goods; it
 *   sends the order (CEB311) naming the payment institution and the payment it was paid with;
 * - the logistics carrier, also the declaring agent (`POST /carrier/waybills`, `POST
 *   /carrier/inventories`): the waybill (CEB511) and the inventory list (CEB621).
 * Each signs with its own key, registered with the single window at start. Amounts in the JSON
 * bodies are fen (integers); the CEB messages carry yuan with 2 decimals.
 */
export const platform = {
  code: '1101230001',
  name: '互通跨境商城 (Hutong Cross-border Mall)',
  ebcCode: '1101230002',
  ebcName: '互通进口贸易 (Hutong Import Trading)',
};
export const carrier = { code: '1101980002', name: '互通速运 (Hutong Express)' };

interface Party {
  readonly code: string;
  readonly name: string;
  readonly key: { privateKeyPem: string; publicKeyPem: string; certNo: string };
}

function newParty(code: string, name: string): Party {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    code,
    name,
    key: {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      certNo: `CERT-${code}`,
    },
  };
}

const fen = (value: unknown) => BigInt(typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);
const str = (value: unknown, fallback = '') => (typeof value === 'string' ? value : fallback);

type Body = Record<string, unknown>;

function orderMessage(p: Party, b: Body, at: Date, guid: string): string {
  const buyer = (b.buyer ?? {}) as Body;
  const consignee = (b.consignee ?? {}) as Body;
  const [goods, freight, tax, discount] = [fen(b.goods_value), fen(b.freight), fen(b.tax_total), fen(b.discount)];
  // A platform that gets its sums wrong is exactly what customs must catch: `actural_paid` may be given.
  const paid = b.actural_paid === undefined ? goods + freight + tax - discount : fen(b.actural_paid);
  const head: Fields = {
    guid,
    appType: str(b.app_type, '1'),
    appTime: cebTime(at),
    appStatus: '2',
    orderType: 'I',
    orderNo: str(b.order_no),
    ebpCode: platform.code,
    ebpName: platform.name,
    ebcCode: platform.ebcCode,
    ebcName: platform.ebcName,
    goodsValue: yuan(goods),
    freight: yuan(freight),
    discount: yuan(discount),
    taxTotal: yuan(tax),
    acturalPaid: yuan(paid),
    currency: '142',
    buyerRegNo: str(buyer.reg_no, 'buyer'),
    buyerName: str(buyer.name),
    buyerIdType: '1',
    buyerIdNumber: str(buyer.id_number),
    payCode: str(b.pay_code),
    payName: str(b.pay_name, 'Hutong'),
    payTransactionId: str(b.pay_transaction_id),
    batchNumbers: '',
    consignee: str(consignee.name),
    consigneeTelephone: str(consignee.telephone, '13800000000'),
    consigneeAddress: str(consignee.address, '北京市东城区东四胡同1号'),
    consigneeDistrict: '110101',
    note: '',
  };
  const items = [
    {
      gnum: '1',
      itemNo: 'SKU-1',
      itemName: str(b.item_name, '婴儿奶粉 (infant formula)'),
      gmodel: '800g',
      itemDescribe: '',
      barCode: '',
      unit: '122',
      qty: '1',
      price: yuan(goods),
      totalPrice: yuan(goods),
      currency: '142',
      country: '601',
      note: '',
    },
  ];
  return cebMessage('CEB311', guid, headAndList('Order', 'OrderHead', head, 'OrderList', items), base(p));
}

function waybillMessage(p: Party, b: Body, at: Date, guid: string): string {
  const consignee = (b.consignee ?? {}) as Body;
  const head: Fields = {
    guid,
    appType: '1',
    appTime: cebTime(at),
    appStatus: '2',
    logisticsCode: p.code,
    logisticsName: p.name,
    logisticsNo: str(b.logistics_no),
    billNo: '',
    orderNo: str(b.order_no),
    freight: yuan(fen(b.freight)),
    insuredFee: '0.00',
    currency: '142',
    weight: '1.2',
    packNo: '1',
    goodsInfo: str(b.goods_info, '婴儿奶粉'),
    consignee: str(consignee.name),
    consigneeAddress: str(consignee.address, '北京市东城区东四胡同1号'),
    consigneeTelephone: str(consignee.telephone, '13800000000'),
    note: '',
  };
  return cebMessage('CEB511', guid, headAndList('Logistics', 'LogisticsHead', head), base(p));
}

function inventoryMessage(p: Party, b: Body, at: Date, guid: string): string {
  const buyer = (b.buyer ?? {}) as Body;
  const head: Fields = {
    guid,
    appType: '1',
    appTime: cebTime(at),
    appStatus: '2',
    orderNo: str(b.order_no),
    ebpCode: platform.code,
    ebpName: platform.name,
    ebcCode: platform.ebcCode,
    ebcName: platform.ebcName,
    logisticsNo: str(b.logistics_no),
    logisticsCode: p.code,
    logisticsName: p.name,
    copNo: str(b.order_no),
    assureCode: platform.ebcCode,
    ieFlag: 'I',
    declTime: cebTime(at).slice(0, 8),
    customsCode: str(b.customs_code, '0101'),
    portCode: str(b.customs_code, '0101'),
    buyerIdType: '1',
    buyerIdNumber: str(buyer.id_number),
    buyerName: str(buyer.name),
    buyerTelephone: '13800000000',
    consigneeAddress: '北京市东城区东四胡同1号',
    agentCode: p.code,
    agentName: p.name,
    tradeMode: '9610',
    country: '601',
    freight: yuan(fen(b.freight)),
    insuredFee: '0.00',
    currency: '142',
    grossWeight: '1.2',
    netWeight: '1.0',
  };
  return cebMessage('CEB621', guid, headAndList('Inventory', 'InventoryHead', head), base(p));
}

function base(p: Party): Fields {
  return { copCode: p.code, copName: p.name, dxpMode: 'DXP', dxpId: `DXP${p.code}`, note: '' };
}

const keepAliveMs = 65_000;

export interface PartnersServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** Starts the platform and the carrier, registered with the single window at `customsUrl`. */
export async function startPartners(options: { port: number; customsUrl: string; clock: Clock; host?: string }): Promise<PartnersServer> {
  const shop = newParty(platform.code, platform.name);
  const express = newParty(carrier.code, carrier.name);
  for (const p of [shop, express]) {
    const answer = await fetch(`${options.customsUrl}/ceb/declarants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ copCode: p.code, copName: p.name, certNo: p.key.certNo, publicKeyPem: p.key.publicKeyPem }),
    });
    if (!answer.ok) throw new Error(`customs refused to register ${p.code}: ${answer.status}`);
  }
  const routes: Record<string, [Party, typeof orderMessage]> = {
    '/platform/orders': [shop, orderMessage],
    '/carrier/waybills': [express, waybillMessage],
    '/carrier/inventories': [express, inventoryMessage],
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const route = request.method === 'POST' ? routes[new URL(request.url ?? '/', 'http://sandbox').pathname] : undefined;
    if (route === undefined) return sendJson(response, 404, { error: 'not found' });
    const raw = await readBody(request);
    if (raw === 'too_large') return sendJson(response, 413, { error: 'too large' });
    const [party, build] = route;
    const guid = newGuid();
    const xml = sign(build(party, JSON.parse(raw.toString('utf8')) as Body, options.clock.now(), guid), party.key);
    const answer = await fetch(`${options.customsUrl}/ceb/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    const text = await answer.text();
    if (!answer.ok) return sendJson(response, 502, { guid, error: `customs answered ${answer.status}` });
    const receipt = parseMessage(text);
    const returned = 'error' in receipt ? {} : fieldsOf(Object.values(receipt.root).find((v) => typeof v === 'object'));
    return sendJson(response, 200, { guid, return_status: returned.returnStatus ?? null, return_info: returned.returnInfo ?? null });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 400, { error: 'bad request' });
    });
  });
  // Longer than any client's idle keep-alive, so a client never reuses a socket we are closing.
  server.keepAliveTimeout = keepAliveMs;
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://${urlHost(address.address)}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
