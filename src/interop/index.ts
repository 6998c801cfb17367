// The door of the interconnection module (docs/architecture.md, "The module convention").
export { InteropError } from './errors.js';
export type { DecodedQr, DecodeMode, QrFormat, RoutedAccount } from './model.js';
export { decodeQr, type DecodeDeps, type QrInvalid } from './decode.js';
export type { MpmViolation, MpmViolationCode } from './emv-mpm.js';
export type { MpmCode, MerchantAccount, AdditionalData, MerchantLanguage } from './mpm-code.js';
export type { CpmCode, CpmApplication } from './emv-cpm.js';
export type { CollectionCode, CodeKind, NewCollectionCode } from './collection-codes.js';
export type { CodeOrder } from './switch-orders.js';
export type { CodeOrderDetail, OrderRefund, OrderRefundRequest } from './order-refunds.js';
export type { Scan, ScanRequest } from './scans.js';
export type { ClearingReport, ClearingPosition, ClearingException, SwitchFiles } from './clearing.js';
export type { IssuedPaymentCode, PaymentCodeCharge } from './payment-code-charges.js';
export type { SwitchAnswer } from './switch-messages.js';
export type { TillAnswer, TillChargeRequest, TillRefundAnswer } from './till-charges.js';
export { switchSignatureHeader } from './switch-signing.js';
export { defaultParticipants, hutongGuid, hutongInstitutionId, type Participant } from './participants.js';
export { defaultPaymentCodeRules, type PaymentCodeRule } from './payment-codes.js';
export {
  defaultInteropSettings,
  type CustomersPort,
  type EventsPort,
  type InteropSettings,
  type MerchantsPort,
  type TimersPort,
  type WriterPort,
} from './ports.js';
export { createInteropService, type InteropDeps, type InteropService } from './service.js';
