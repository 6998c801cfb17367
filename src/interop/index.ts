// The door of the interconnection module (docs/architecture.md, "The module convention").
export { InteropError } from './errors.js';
export type { DecodedQr, DecodeMode, QrFormat } from './model.js';
export type { QrInvalid } from './decode.js';
export type { MpmViolation, MpmViolationCode } from './emv-mpm.js';
export type { MpmCode, MerchantAccount, AdditionalData, MerchantLanguage } from './mpm-code.js';
export type { CpmCode, CpmApplication } from './emv-cpm.js';
export { defaultParticipants, hutongGuid, hutongInstitutionId, type Participant } from './participants.js';
export { defaultPaymentCodeRules, type PaymentCodeRule } from './payment-codes.js';
export { createInteropService, type InteropDeps, type InteropService } from './service.js';
