// The customs module's one door (docs/architecture.md, "The module convention"; docs/customs.md).
export { createCustomsService, receiptPollIntervalMs, type CustomsService } from './service.js';
export { CustomsError } from './errors.js';
export {
  defaultCustomsSettings,
  type BopRecord,
  type CustomsDeclaration,
  type ExportPayment,
  type ExportTrade,
  type CustomsDeps,
  type CustomsEventsPort,
  type CustomsGateway,
  type CustomsPaymentsPort,
  type CustomsRegistration,
  type CustomsSettings,
  type CustomsStore,
  type CustomsTimersPort,
  type CustomsTrx,
  type CustomsWriter,
  type DeclarablePayment,
  type HistoryEntry,
  type NewDeclaration,
} from './model.js';
export { createKeyFileSigner, verifySignature, type CustomsSigner } from './signer.js';
export { declarationStatuses, type DeclarationStatus } from './state.js';
export type { CustomsTables } from './schema.js';
export type { DeclarationQuery } from './list.js';
export type { ReceiptOutcome } from './receipts.js';
export { answerSigningText, querySigningText, type RawDataQuery } from './raw-data.js';
export { verifyText } from './signer.js';
export type { RefundInput, RefundPlan } from './refund.js';
export type { NewExportTrade, NewShipment } from './exports.js';
export { exportFlags, type Authenticity, type ExportFlag } from './authenticity.js';
export { createImportLimits, defaultImportLimitSettings, type AnnualCheck, type ImportLimits, type ImportLimitSettings } from './limits.js';
