// The door of src/billpay (issue 15): bill payment for utilities, telecom and property fees.
export { complaintReasons, type ComplaintReason } from './complaints.js';
export {
  billpaySettingsDefault,
  type BillCardCharge,
  type BillerConnectors,
  type BillpayCardsPort,
  type BillpayDeps,
  type BillpayEventsPort,
  type BillpayPartiesPort,
  type BillpayTimersPort,
  type BillpaySettings,
} from './deps.js';
export { BillpayError } from './errors.js';
export type { FetchBillInput, FetchBillResult } from './fetch-bill.js';
export * from './model.js';
export { propertyCsv } from './property.js';
export { billerCodePattern, billerFeeBpsMax } from './registry.js';
export type * from './schema.js';
export { createBillpayService, type BillpayService } from './service.js';
