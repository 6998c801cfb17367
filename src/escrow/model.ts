import { toJSONMinor, type Amount } from '../money/index.js';
import type { Database } from '../store/index.js';
import type { EscrowStatus, GoodsType, RefundReason } from './state.js';

export interface RefundRequest {
  readonly amountMinor: bigint;
  readonly reason: RefundReason;
  readonly note: string | null;
  /** Where the trade goes back to if the request is withdrawn or agreed in part. */
  readonly fromStatus: 'held' | 'shipped';
  readonly requestedAt: string;
}

export interface Dispute {
  readonly sellerReason: string;
  readonly openedAt: string;
}

export interface Resolution {
  readonly by: 'buyer' | 'seller' | 'operator' | 'timer';
  readonly decision: string;
  readonly refundMinor: bigint;
  readonly releaseMinor: bigint;
  readonly note: string | null;
  readonly at: string;
}

/** A decided payout in progress: the refund leg goes through the payment's channel first. */
export interface Settlement {
  readonly seq: number;
  readonly refundMinor: bigint;
  readonly releaseMinor: bigint;
  readonly next: EscrowStatus;
  readonly reason: string;
  readonly resolution: Resolution | null;
}

export interface Escrow {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly merchantOrderId: string;
  readonly status: EscrowStatus;
  readonly amount: Amount;
  readonly goodsType: GoodsType;
  readonly description: string | null;
  readonly customerId: string | null;
  readonly heldMinor: bigint;
  readonly releasedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly feeMinor: bigint;
  readonly shipping: { readonly carrier: string; readonly waybillNumber: string; readonly shippedAt: string } | null;
  readonly confirmDueAt: string | null;
  readonly confirmRemainingMs: number | null;
  readonly extensions: number;
  readonly refundRequest: RefundRequest | null;
  readonly dispute: Dispute | null;
  readonly resolution: Resolution | null;
  readonly settlement: Settlement | null;
  readonly settleSeq: number;
  readonly closeDueAt: string;
  /** The test clock the trade runs on (test mode), or null. */
  readonly testClockId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

// JSON columns keep minor units as decimal strings (JSON has no bigint).
type Stored<T> = {
  [K in keyof T]: T[K] extends bigint
    ? string
    : T[K] extends bigint | null
      ? string | null
      : T[K] extends Resolution | null
        ? Stored<Resolution> | null
        : T[K];
};

export function storeJson(value: RefundRequest | Dispute | Resolution | Settlement | null): string | null {
  return value === null ? null : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function resolutionFrom(s: Stored<Resolution> | null): Resolution | null {
  return s === null ? null : { ...s, refundMinor: BigInt(s.refundMinor), releaseMinor: BigInt(s.releaseMinor) };
}

export function toEscrow(row: Database['escrows']): Escrow {
  const request = row.refund_request === null ? null : (JSON.parse(row.refund_request) as Stored<RefundRequest>);
  const settlement = row.settlement === null ? null : (JSON.parse(row.settlement) as Stored<Settlement>);
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    merchantOrderId: row.merchant_order_id,
    status: row.status as EscrowStatus,
    amount: { minor: row.amount, currency: row.currency },
    goodsType: row.goods_type as GoodsType,
    description: row.description,
    customerId: row.customer_id,
    heldMinor: row.amount_held,
    releasedMinor: row.amount_released,
    refundedMinor: row.amount_refunded,
    feeMinor: row.fee,
    shipping:
      row.carrier === null ? null : { carrier: row.carrier, waybillNumber: row.waybill_number ?? '', shippedAt: row.shipped_at ?? '' },
    confirmDueAt: row.confirm_due_at,
    confirmRemainingMs: row.confirm_remaining_ms === null ? null : Number(row.confirm_remaining_ms),
    extensions: Number(row.extensions),
    refundRequest: request === null ? null : { ...request, amountMinor: BigInt(request.amountMinor) },
    dispute: row.dispute === null ? null : (JSON.parse(row.dispute) as Dispute),
    resolution: resolutionFrom(row.resolution === null ? null : (JSON.parse(row.resolution) as Stored<Resolution>)),
    settlement:
      settlement === null
        ? null
        : {
            ...settlement,
            refundMinor: BigInt(settlement.refundMinor),
            releaseMinor: BigInt(settlement.releaseMinor),
            resolution: resolutionFrom(settlement.resolution),
          },
    settleSeq: Number(row.settle_seq),
    closeDueAt: row.close_due_at,
    testClockId: row.test_clock_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The trade as the API (and its events) show it; `audience: 'buyer'` leaves out the merchant's fee. */
export function escrowView(e: Escrow, audience: 'merchant' | 'buyer' = 'merchant') {
  const minor = (value: bigint) => toJSONMinor({ minor: value, currency: e.amount.currency });
  return {
    id: e.id,
    object: 'escrow' as const,
    status: e.status,
    amount: minor(e.amount.minor),
    currency: e.amount.currency,
    amount_held: minor(e.heldMinor),
    amount_released: minor(e.releasedMinor),
    amount_refunded: minor(e.refundedMinor),
    ...(audience === 'merchant' ? { fee: minor(e.feeMinor), customer: e.customerId } : {}),
    goods_type: e.goodsType,
    merchant_order_id: e.merchantOrderId,
    description: e.description,
    payment: e.paymentId,
    shipping:
      e.shipping === null
        ? null
        : { carrier: e.shipping.carrier, waybill_number: e.shipping.waybillNumber, shipped_at: e.shipping.shippedAt },
    confirm_due_at: e.confirmDueAt,
    confirm_paused_remaining_ms: e.confirmRemainingMs,
    extensions: e.extensions,
    refund_request:
      e.refundRequest === null
        ? null
        : {
            amount: minor(e.refundRequest.amountMinor),
            reason: e.refundRequest.reason,
            note: e.refundRequest.note,
            requested_at: e.refundRequest.requestedAt,
          },
    dispute: e.dispute === null ? null : { seller_reason: e.dispute.sellerReason, opened_at: e.dispute.openedAt },
    resolution:
      e.resolution === null
        ? null
        : {
            by: e.resolution.by,
            decision: e.resolution.decision,
            refunded: minor(e.resolution.refundMinor),
            released: minor(e.resolution.releaseMinor),
            note: e.resolution.note,
            at: e.resolution.at,
          },
    settling: e.settlement !== null,
    close_due_at: e.status === 'awaiting_payment' ? e.closeDueAt : null,
    test_clock: e.testClockId,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

export type EscrowView = ReturnType<typeof escrowView>;
