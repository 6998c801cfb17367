import type { AccountSpec } from '../ledger/index.js';
import type { Database } from '../store/index.js';
import type {
  AccountRule,
  AutopayRun,
  Bill,
  Biller,
  BillerModel,
  BillPayment,
  BillPaymentStatus,
  BillStatus,
  AmountRule,
  SavedBiller,
} from './model.js';

/** Row ↔ model mapping for the billpay tables, and the module's own ledger account. */

/**
 * Bill payments held for a biller until it accepts them (the "biller payable"): the payer's money
 * is here while a posting is unanswered, and leaves to the biller's merchant account or back to the
 * payer. Never negative: a payment leaves it only once.
 */
export const billerPayable = (billerId: string, currency: string): AccountSpec => ({
  ownerType: 'channel',
  ownerId: `biller:${billerId}`,
  code: 'payable',
  currency,
  kind: 'liability',
  noNegative: true,
});

export function toBiller(row: Database['billpay_billers']): Biller {
  const rule = JSON.parse(row.account_rule) as AccountRule;
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    nameZh: row.name_zh,
    category: row.category,
    region: row.region,
    connector: row.connector,
    model: row.model as BillerModel,
    accountRule: rule,
    amountRule: row.amount_rule as AmountRule,
    minAmountMinor: row.min_amount,
    maxAmountMinor: row.max_amount,
    currency: row.currency,
    payerFeeFixedMinor: row.payer_fee_fixed,
    billerFeeBps: Number(row.biller_fee_bps),
    merchantId: row.merchant_id,
    status: row.status as Biller['status'],
    createdAt: row.created_at,
  };
}

interface StoredAmount {
  readonly label?: string;
  readonly period?: string;
  readonly amount: string;
}

export function toBill(row: Database['billpay_bills']): Bill {
  const lines = row.lines === null ? [] : (JSON.parse(row.lines) as StoredAmount[]);
  const periods = row.periods === null ? [] : (JSON.parse(row.periods) as StoredAmount[]);
  return {
    id: row.id,
    merchantId: row.merchant_id,
    customerId: row.customer_id,
    billerId: row.biller_id,
    accountNumber: row.account_number,
    status: row.status as BillStatus,
    billerBillRef: row.biller_bill_ref,
    currency: row.currency,
    amountDueMinor: row.amount_due,
    lateFeeMinor: row.late_fee,
    dueDate: row.due_date,
    customerName: row.customer_name,
    lines: lines.map((l) => ({ label: l.label ?? '', amountMinor: BigInt(l.amount) })),
    periods: periods.map((p) => ({ period: p.period ?? '', amountMinor: BigInt(p.amount) })),
    detail: row.detail,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toPayment(row: Database['billpay_payments']): BillPayment {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    customerId: row.customer_id,
    billerId: row.biller_id,
    billId: row.bill_id,
    accountNumber: row.account_number,
    amount: { minor: row.amount, currency: row.currency },
    payerFeeMinor: row.payer_fee,
    billerFeeMinor: row.biller_fee,
    periods: row.periods === null ? null : Number(row.periods),
    status: row.status as BillPaymentStatus,
    billerReceipt: row.biller_receipt,
    reason: row.reason,
    attempts: Number(row.attempts),
    funding: row.funding as BillPayment['funding'],
    cardPaymentId: row.card_payment_id,
    cardRefund: row.card_refund as BillPayment['cardRefund'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toSavedBiller(row: Database['billpay_saved_billers'], currency: string): SavedBiller {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    customerId: row.customer_id,
    billerId: row.biller_id,
    accountNumber: row.account_number,
    nickname: row.nickname,
    autopay: row.autopay_limit === null ? null : { limitMinor: row.autopay_limit, currency, cardId: row.autopay_card_id },
    status: row.status as SavedBiller['status'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAutopayRun(row: Database['billpay_autopay_runs']): AutopayRun {
  return {
    id: row.id,
    savedBillerId: row.saved_id,
    merchantId: row.merchant_id,
    billId: row.bill_id,
    billerBillRef: row.biller_bill_ref,
    dueDate: row.due_date,
    amountMinor: row.amount,
    paymentId: row.payment_id,
    status: row.status as AutopayRun['status'],
    reason: row.reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
