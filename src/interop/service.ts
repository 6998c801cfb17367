import type { Failure } from '../core/index.js';
import { createCollectionCode, getCollectionCode, type CollectionCode, type NewCollectionCode } from './collection-codes.js';
import { decodeQr, type DecodeDeps, type QrInvalid } from './decode.js';
import type { InteropError } from './errors.js';
import type { DecodedQr, DecodeMode } from './model.js';
import type { FlowDeps } from './ports.js';
import { receiveSwitchMessage, type SwitchAnswer } from './switch-messages.js';
import { issuePaymentCode, type IssuedPaymentCode } from './payment-code-charges.js';
import { clearDay, type ClearingReport } from './clearing.js';
import { scanAndPay, scanTimerKind, type Scan, type ScanRequest } from './scans.js';
import { getScan, sweepScan } from './scan-resolution.js';
import { institutionOfPaymentCode } from './payment-codes.js';
import {
  getCodeOrder,
  orderRefundTimerKind,
  refundCodeOrder,
  resolveOrderRefund,
  type CodeOrderDetail,
  type OrderRefund,
  type OrderRefundRequest,
} from './order-refunds.js';
import {
  tillCharge,
  tillQuery,
  tillRefund,
  tillReverse,
  type TillAnswer,
  type TillChargeRequest,
  type TillRefundAnswer,
} from './till-charges.js';

export type InteropDeps = DecodeDeps & FlowDeps;

/** Interconnection: decoding any code; collection codes paid through the switch (docs/interop.md). */
export interface InteropService {
  decode(payload: string, mode: DecodeMode): DecodedQr | QrInvalid | Failure<InteropError>;
  createCollectionCode(merchantId: string, input: NewCollectionCode): Promise<CollectionCode | Failure<InteropError>>;
  getCollectionCode(merchantId: string, id: string): Promise<CollectionCode | Failure<InteropError>>;
  /** A one-time payment code for a wallet user of this merchant (about a minute). */
  issuePaymentCode(merchantId: string, customerId: string, currency: string): Promise<IssuedPaymentCode | Failure<InteropError>>;
  /** The switch Hutong is a participant of, and its participants as Hutong routes them. */
  switchInfo(): { readonly url: string | undefined; readonly participants: DecodeDeps['participants'] };
  /** A day's clearing with the switch: positions, reconciliation of its file, the zero-sum proof. */
  clearDay(date: string): Promise<ClearingReport | Failure<InteropError>>;
  /** A Hutong wallet user pays any participant's collection code through the switch. */
  scan(merchantId: string, request: ScanRequest): Promise<Scan | Failure<InteropError>>;
  /** A signed message of the switch (raw bytes and its signature header); the answer is signed too. */
  receiveSwitchMessage(rawBody: string, signature: string | undefined): Promise<SwitchAnswer | Failure<InteropError>>;
  /** The participant whose payment code this is (by the prefix table), if any. */
  institutionOfPaymentCode(code: string): string | undefined;
  /** A Hutong merchant's till takes a payment code through the switch (the payments module's port). */
  tillCharge(request: TillChargeRequest): Promise<TillAnswer>;
  tillQuery(orderReference: string): Promise<TillAnswer | { readonly status: 'not_found' }>;
  tillReverse(orderReference: string): Promise<'reversed' | 'unknown'>;
  tillRefund(request: { orderReference: string; refundId: string; currency: string; amountMinor: bigint }): Promise<TillRefundAnswer>;
  /** A payment of one of the merchant's collection codes, with its refunds. */
  getCodeOrder(merchantId: string, orderId: string): Promise<CodeOrderDetail | Failure<InteropError>>;
  /** The merchant refunds a collection-code payment back through the switch to the payer's wallet (order-refunds.ts). */
  refundCodeOrder(merchantId: string, orderId: string, request: OrderRefundRequest): Promise<OrderRefund | Failure<InteropError>>;
  /** Asks the switch again about a refund left pending (the durable timer does this by itself). */
  resolveOrderRefund(refundId: string): Promise<undefined | { readonly retryAt: Date }>;
  /** A scan of one of the merchant's customers; a pending one is asked about at the switch first. */
  getScan(merchantId: string, scanId: string): Promise<Scan | Failure<InteropError>>;
  /** The sweep of one pending scan (the durable timer does this by itself): query, and close it past the deadline. */
  sweepScan(scanId: string): Promise<undefined | { readonly retryAt: Date }>;
}

export function createInteropService(deps: InteropDeps): InteropService {
  deps.timers?.register(scanTimerKind, { outside: (job) => sweepScan(deps, String(job.payload.scanId)) });
  deps.timers?.register(orderRefundTimerKind, { outside: (job) => resolveOrderRefund(deps, String(job.payload.refundId)) });
  return {
    decode: (payload, mode) => decodeQr(deps, payload, mode),
    createCollectionCode: (merchantId, input) => createCollectionCode(deps, merchantId, input),
    getCollectionCode: (merchantId, id) => getCollectionCode(deps, merchantId, id),
    issuePaymentCode: (merchantId, customerId, currency) => issuePaymentCode(deps, merchantId, customerId, currency),
    scan: (merchantId, request) => scanAndPay(deps, merchantId, request),
    clearDay: (date) => clearDay(deps, deps.switchFiles, date),
    switchInfo: () => ({ url: deps.settings.switchUrl, participants: deps.participants }),
    receiveSwitchMessage: (rawBody, signature) => receiveSwitchMessage(deps, rawBody, signature),
    institutionOfPaymentCode: (code) => institutionOfPaymentCode(code, deps.paymentCodeRules),
    tillCharge: (request) => tillCharge(deps, request),
    tillQuery: (orderReference) => tillQuery(deps, orderReference),
    tillReverse: (orderReference) => tillReverse(deps, orderReference),
    tillRefund: (request) => tillRefund(deps, request),
    getCodeOrder: (merchantId, orderId) => getCodeOrder(deps, merchantId, orderId),
    refundCodeOrder: (merchantId, orderId, request) => refundCodeOrder(deps, merchantId, orderId, request),
    resolveOrderRefund: (refundId) => resolveOrderRefund(deps, refundId),
    getScan: (merchantId, scanId) => getScan(deps, merchantId, scanId),
    sweepScan: (scanId) => sweepScan(deps, scanId),
  };
}
