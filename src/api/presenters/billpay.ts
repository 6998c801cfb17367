import { Type } from '@sinclair/typebox';
import type {
  AutopayRun,
  Bill,
  Biller,
  BillerDayReport,
  BillPayment,
  Complaint,
  PropertyUnitView,
  SavedBiller,
} from '../../billpay/index.js';

/** API views of bill payment's objects (amounts as integers of minor units, as everywhere). */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const minor = (value: bigint) => Number(value);

export const AccountRuleView = Type.Object({
  label: Type.String(),
  label_zh: Type.String(),
  pattern: Type.String(),
  length_min: Type.Integer(),
  length_max: Type.Integer(),
  check_digit: Type.String({ description: 'none, luhn or weights_731' }),
});

export const BillerView = Type.Object({
  id: Type.String(),
  object: Type.Literal('biller'),
  code: Type.String(),
  name: Type.String(),
  name_zh: Type.String(),
  category: Type.String(),
  region: Type.String(),
  model: Type.String({ description: 'fetch, validate or direct' }),
  account: AccountRuleView,
  amount_rule: Type.String({ description: 'exact, at_least, at_most, any or whole_periods' }),
  min_amount: Type.Integer(),
  max_amount: Type.Integer(),
  currency: Type.String(),
  payer_fee: Type.Integer({ description: "The payer's convenience fee, added to the debit" }),
  biller_fee_bps: Type.Integer({ description: "The biller's commission, kept from what it is paid" }),
  connector: Type.String(),
  merchant: Type.Optional(Type.String({ description: 'The Hutong merchant the biller settles to (operator only)' })),
  status: Type.String(),
  created_at: Type.String(),
});

/** The registry is public: the biller's settlement merchant is shown to the operator only. */
export function billerView(b: Biller, audience: 'public' | 'operator' = 'public') {
  return {
    id: b.id,
    object: 'biller' as const,
    code: b.code,
    name: b.name,
    name_zh: b.nameZh,
    category: b.category,
    region: b.region,
    model: b.model,
    account: {
      label: b.accountRule.label,
      label_zh: b.accountRule.labelZh,
      pattern: b.accountRule.pattern,
      length_min: b.accountRule.lengthMin,
      length_max: b.accountRule.lengthMax,
      check_digit: b.accountRule.checkDigit,
    },
    amount_rule: b.amountRule,
    min_amount: minor(b.minAmountMinor),
    max_amount: minor(b.maxAmountMinor),
    currency: b.currency,
    payer_fee: minor(b.payerFeeFixedMinor),
    biller_fee_bps: b.billerFeeBps,
    connector: b.connector,
    ...(audience === 'operator' ? { merchant: b.merchantId } : {}),
    status: b.status,
    created_at: b.createdAt,
  };
}

export const BillView = Type.Object({
  id: Type.String(),
  object: Type.Literal('bill'),
  status: Type.String({ description: 'fetching, available, nothing_due, not_found, unavailable, paying or paid' }),
  biller: Type.String(),
  account_number: Type.String(),
  customer: Nullable(Type.String()),
  currency: Type.String(),
  amount_due: Nullable(Type.Integer()),
  late_fee: Type.Integer(),
  due_date: Nullable(Type.String()),
  customer_name: Nullable(Type.String()),
  biller_bill_ref: Nullable(Type.String()),
  lines: Type.Array(Type.Object({ label: Type.String(), amount: Type.Integer() })),
  periods: Type.Array(Type.Object({ period: Type.String(), amount: Type.Integer() })),
  detail: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function billView(b: Bill) {
  return {
    id: b.id,
    object: 'bill' as const,
    status: b.status,
    biller: b.billerId,
    account_number: b.accountNumber,
    customer: b.customerId,
    currency: b.currency,
    amount_due: b.amountDueMinor === null ? null : minor(b.amountDueMinor),
    late_fee: minor(b.lateFeeMinor),
    due_date: b.dueDate,
    customer_name: b.customerName,
    biller_bill_ref: b.billerBillRef,
    lines: b.lines.map((l) => ({ label: l.label, amount: minor(l.amountMinor) })),
    periods: b.periods.map((p) => ({ period: p.period, amount: minor(p.amountMinor) })),
    detail: b.detail,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

export const BillPaymentView = Type.Object({
  id: Type.String(),
  object: Type.Literal('bill_payment'),
  status: Type.String({
    description: 'charging (card), posting, awaiting_biller, accepted, refunded, or failed (the card was not charged)',
  }),
  biller: Type.String(),
  bill: Nullable(Type.String()),
  customer: Type.String(),
  account_number: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  payer_fee: Type.Integer(),
  total_debited: Type.Integer(),
  periods: Nullable(Type.Integer()),
  biller_receipt: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  attempts: Type.Integer(),
  funding: Type.String({ description: 'wallet or card' }),
  card_payment: Nullable(Type.String({ description: 'The card payment (GET /v1/payments/{id}) that charged the card' })),
  card_refund: Nullable(Type.String({ description: 'A refused card-funded payment: due, then done once the card is refunded' })),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function billPaymentView(p: BillPayment) {
  return {
    id: p.id,
    object: 'bill_payment' as const,
    status: p.status,
    biller: p.billerId,
    bill: p.billId,
    customer: p.customerId,
    account_number: p.accountNumber,
    amount: minor(p.amount.minor),
    currency: p.amount.currency,
    payer_fee: minor(p.payerFeeMinor),
    total_debited: minor(p.amount.minor + p.payerFeeMinor),
    periods: p.periods,
    biller_receipt: p.billerReceipt,
    reason: p.reason,
    attempts: p.attempts,
    funding: p.funding,
    card_payment: p.cardPaymentId,
    card_refund: p.cardRefund,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export const ReceiptView = Type.Object({
  object: Type.Literal('bill_receipt'),
  bill_payment: Type.String(),
  biller: Type.String(),
  biller_name: Type.String(),
  biller_name_zh: Type.String(),
  account_number: Type.String(),
  amount: Type.Integer(),
  payer_fee: Type.Integer(),
  currency: Type.String(),
  biller_receipt: Type.String(),
  paid_at: Type.String(),
});

export function receiptView(p: BillPayment, b: Biller) {
  return {
    object: 'bill_receipt' as const,
    bill_payment: p.id,
    biller: b.id,
    biller_name: b.name,
    biller_name_zh: b.nameZh,
    account_number: p.accountNumber,
    amount: minor(p.amount.minor),
    payer_fee: minor(p.payerFeeMinor),
    currency: p.amount.currency,
    biller_receipt: p.billerReceipt ?? '',
    paid_at: p.updatedAt,
  };
}

export const ComplaintView = Type.Object({
  id: Type.String(),
  object: Type.Literal('bill_complaint'),
  bill_payment: Type.String(),
  reason: Type.String(),
  description: Nullable(Type.String()),
  status: Type.String({ description: 'open or resolved' }),
  resolution: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function complaintView(c: Complaint) {
  return {
    id: c.id,
    object: 'bill_complaint' as const,
    bill_payment: c.paymentId,
    reason: c.reason,
    description: c.description,
    status: c.status,
    resolution: c.resolution,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export const PropertyUnitRow = Type.Object({
  unit: Type.String(),
  owed_months: Type.Array(Type.String()),
  owed: Type.Integer(),
  paid_through_hutong: Type.Integer(),
  last_receipt: Nullable(Type.String()),
});

export function propertyUnitView(v: PropertyUnitView) {
  return {
    unit: v.unit,
    owed_months: [...v.owedMonths],
    owed: minor(v.owedMinor),
    paid_through_hutong: minor(v.paidThroughHutongMinor),
    last_receipt: v.lastReceipt,
  };
}

export const SavedBillerView = Type.Object({
  id: Type.String(),
  object: Type.Literal('saved_biller'),
  customer: Type.String(),
  biller: Type.String(),
  account_number: Type.String(),
  nickname: Nullable(Type.String()),
  autopay: Nullable(
    Type.Object({
      limit: Type.Integer({ description: 'Each new bill is paid on its due date if it is at most this (minor units)' }),
      currency: Type.String(),
      card_id: Nullable(Type.String({ description: 'The stored card charged; null: the Hutong wallet' })),
    }),
  ),
  status: Type.String({ description: 'active or removed' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function savedBillerView(s: SavedBiller) {
  return {
    id: s.id,
    object: 'saved_biller' as const,
    customer: s.customerId,
    biller: s.billerId,
    account_number: s.accountNumber,
    nickname: s.nickname,
    autopay: s.autopay === null ? null : { limit: minor(s.autopay.limitMinor), currency: s.autopay.currency, card_id: s.autopay.cardId },
    status: s.status,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export const AutopayRunView = Type.Object({
  id: Type.String(),
  object: Type.Literal('bill_autopay_run'),
  saved_biller: Type.String(),
  bill: Nullable(Type.String()),
  biller_bill_ref: Type.String(),
  due_date: Nullable(Type.String()),
  amount: Nullable(Type.Integer()),
  bill_payment: Nullable(Type.String()),
  status: Type.String({ description: 'paying, paid, failed or over_limit' }),
  reason: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function autopayRunView(r: AutopayRun) {
  return {
    id: r.id,
    object: 'bill_autopay_run' as const,
    saved_biller: r.savedBillerId,
    bill: r.billId,
    biller_bill_ref: r.billerBillRef,
    due_date: r.dueDate,
    amount: r.amountMinor === null ? null : minor(r.amountMinor),
    bill_payment: r.paymentId,
    status: r.status,
    reason: r.reason,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** What a biller is told of a payment it booked (its webhooks): the reference, its account, the money; not who paid. */
export function billerPaymentView(p: BillPayment) {
  return {
    id: p.id,
    object: 'biller_payment' as const,
    biller: p.billerId,
    account_number: p.accountNumber,
    amount: minor(p.amount.minor),
    currency: p.amount.currency,
    commission: minor(p.billerFeeMinor),
    net: minor(p.amount.minor - p.billerFeeMinor),
    periods: p.periods,
    biller_receipt: p.billerReceipt,
    accepted_at: p.updatedAt,
  };
}

export const BillerDayReportView = Type.Object({
  object: Type.Literal('biller_day_report'),
  biller: Type.String(),
  date: Type.String(),
  currency: Type.String(),
  lines: Type.Array(
    Type.Object({
      status: Type.String(),
      funding: Type.String(),
      count: Type.Integer(),
      amount: Type.Integer(),
      commission: Type.Integer(),
      payer_fees: Type.Integer(),
    }),
  ),
  accepted_count: Type.Integer(),
  accepted_amount: Type.Integer(),
  net_to_biller: Type.Integer(),
});

export function billerDayReportView(r: BillerDayReport) {
  return {
    object: 'biller_day_report' as const,
    biller: r.billerId,
    date: r.date,
    currency: r.currency,
    lines: r.lines.map((l) => ({
      status: l.status,
      funding: l.funding,
      count: l.count,
      amount: minor(l.amountMinor),
      commission: minor(l.commissionMinor),
      payer_fees: minor(l.payerFeesMinor),
    })),
    accepted_count: r.acceptedCount,
    accepted_amount: minor(r.acceptedMinor),
    net_to_biller: minor(r.netToBillerMinor),
  };
}
