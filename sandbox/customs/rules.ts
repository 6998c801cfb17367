import { fenOf, type Fields } from './wire.js';

/**
 * What the single window checks of each message, and how customs words a refusal (domain.md §7).
 * returnStatus: 2 declaring, 120 stored, 100 returned, 800 released, negative = processing error.
 */
export const status = {
  declaring: '2',
  stored: '120',
  returned: '100',
  concluded: '399',
  released: '800',
  duplicate: '-621041',
  inventoryNotFound: '-621042',
  badSignature: '-621049',
  // The code customs gives a message that fails its schema is not in our sources; this one is ours.
  malformed: '-621001',
} as const;

export const reasons = {
  orderMissing: '电商订单不存在 (order not found)',
  paymentMissing: '支付单不存在 (payment slip not found)',
  waybillMissing: '运单不存在 (waybill not found)',
  paidMismatch: '订单实际支付金额与支付单支付金额不一致 (the order amount paid differs from the payment slip)',
  paidFormula: '订单实际支付金额不等于货值+运费+税款-优惠 (acturalPaid is not goodsValue + freight + taxTotal - discount)',
  payerMismatch: '订购人与支付人信息不一致 (the buyer is not the payer)',
  consigneeMismatch: '订单收货人与运单收货人不一致 (the consignee differs from the waybill)',
  overSingle: '超过跨境电商零售进口单次交易限值 (over the single-transaction limit)',
  overAnnual: '超过跨境电商零售进口个人年度交易限值 (over the buyer’s yearly limit)',
  duplicate: '重复申报 (duplicate declaration)',
  badSignature: '报文签名验证失败 (signature check failed)',
  unknownSender: '申报企业未备案 (declarant not registered)',
  withdrawAfterRelease: '清单已放行，支付单不能撤销 (the goods are released; the payment slip cannot be withdrawn)',
} as const;

const guidPattern = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const timePattern = /^\d{14}$/;

interface FieldRule {
  readonly max: number;
  readonly pattern?: RegExp;
  readonly money?: boolean;
}
const text = (max: number): FieldRule => ({ max });
const money: FieldRule = { max: 19, money: true };

/** Required fields of each head (the CEB schemas' length limits; amounts N16,2). */
export const headRules: Record<string, Record<string, FieldRule>> = {
  CEB311: {
    guid: { max: 36, pattern: guidPattern },
    appType: { max: 1, pattern: /^[123]$/ },
    appTime: { max: 14, pattern: timePattern },
    appStatus: { max: 1, pattern: /^[12]$/ },
    orderType: { max: 1, pattern: /^I$/ },
    orderNo: text(60),
    ebpCode: text(18),
    ebpName: text(100),
    ebcCode: text(18),
    ebcName: text(100),
    goodsValue: money,
    freight: money,
    discount: money,
    taxTotal: money,
    acturalPaid: money,
    currency: { max: 3, pattern: /^142$/ },
    buyerRegNo: text(60),
    buyerName: text(60),
    buyerIdType: { max: 1, pattern: /^1$/ },
    buyerIdNumber: text(60),
    payCode: text(18),
    payTransactionId: text(60),
    consignee: text(100),
    consigneeTelephone: text(50),
    consigneeAddress: text(200),
  },
  CEB411: {
    guid: { max: 36, pattern: guidPattern },
    appType: { max: 1, pattern: /^[123]$/ },
    appTime: { max: 14, pattern: timePattern },
    appStatus: { max: 1, pattern: /^[12]$/ },
    payCode: text(18),
    payName: text(100),
    payTransactionId: text(60),
    orderNo: text(60),
    ebpCode: text(18),
    ebpName: text(100),
    payerIdType: { max: 1, pattern: /^1$/ },
    payerIdNumber: text(60),
    payerName: text(60),
    amountPaid: money,
    currency: { max: 3, pattern: /^142$/ },
    payTime: { max: 14, pattern: timePattern },
  },
  CEB511: {
    guid: { max: 36, pattern: guidPattern },
    appType: { max: 1, pattern: /^[123]$/ },
    appTime: { max: 14, pattern: timePattern },
    appStatus: { max: 1, pattern: /^[12]$/ },
    logisticsCode: text(18),
    logisticsName: text(100),
    logisticsNo: text(60),
    orderNo: text(60),
    freight: money,
    currency: { max: 3, pattern: /^142$/ },
    weight: text(19),
    consignee: text(100),
    consigneeAddress: text(200),
    consigneeTelephone: text(50),
  },
  CEB621: {
    guid: { max: 36, pattern: guidPattern },
    appType: { max: 1, pattern: /^[123]$/ },
    appTime: { max: 14, pattern: timePattern },
    appStatus: { max: 1, pattern: /^[12]$/ },
    orderNo: text(60),
    ebpCode: text(18),
    ebcCode: text(18),
    logisticsNo: text(60),
    logisticsCode: text(18),
    ieFlag: { max: 1, pattern: /^I$/ },
    customsCode: text(4),
    buyerIdType: { max: 1, pattern: /^1$/ },
    buyerIdNumber: text(60),
    buyerName: text(60),
    agentCode: text(18),
    tradeMode: { max: 4, pattern: /^(9610|1210)$/ },
    currency: { max: 3, pattern: /^142$/ },
  },
};

/** The first schema problem of a head, worded as customs would, or undefined. */
export function schemaProblem(kind: string, head: Fields): string | undefined {
  const rules = headRules[kind];
  if (rules === undefined) return `不支持的报文类型 ${kind} (unsupported message type)`;
  for (const [name, rule] of Object.entries(rules)) {
    const value = head[name];
    if (value === undefined || value === '') return `${name} 不能为空 (${name} is required)`;
    if (value.length > rule.max) return `${name} 超长 (${name} is longer than ${rule.max})`;
    if (rule.pattern !== undefined && !rule.pattern.test(value)) return `${name} 格式错误 (${name} is malformed)`;
    if (rule.money === true && fenOf(value) === undefined) return `${name} 金额格式错误 (${name} is not N16,2)`;
  }
  return undefined;
}

/** acturalPaid = goodsValue + freight + taxTotal − discount, in fen. */
export function paidAddsUp(order: Fields): boolean {
  const [goods, freight, tax, discount, paid] = ['goodsValue', 'freight', 'taxTotal', 'discount', 'acturalPaid'].map((k) =>
    fenOf(order[k]),
  );
  if (goods === undefined || freight === undefined || tax === undefined || discount === undefined || paid === undefined) return false;
  return goods + freight + tax - discount === paid;
}
