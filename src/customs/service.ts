import { fail, isFailure, repeatEvery, type Failure } from '../core/index.js';
import { formatDecimal } from '../money/index.js';
import { declare, pushTimerKind } from './declare.js';
import { CustomsError } from './errors.js';
import { listDeclarations, type DeclarationQuery, type Page } from './list.js';
import {
  defaultCustomsSettings,
  type CustomsDeclaration,
  type CustomsDeps,
  type CustomsRegistration,
  type CustomsSettings,
  type BopRecord,
  type CustomsTrx,
  type ExportTrade,
  type NewDeclaration,
} from './model.js';
import { modify } from './modify.js';
import { answerRawDataQuery, type RawDataQuery } from './raw-data.js';
import { pushOne } from './push.js';
import {
  attachShipment,
  bopCsv,
  bopRecords,
  exportDueTimerKind,
  getExport,
  listExports,
  recordExport,
  reviewDue,
  type NewExportTrade,
  type NewShipment,
} from './exports.js';
import { prepareRefund, refundKeysOf, reserveRefund, type RefundInput, type RefundPlan } from './refund.js';
import { applyReceipt, pollReceipts, type ReceiptOutcome } from './receipts.js';
import { listRegistrations, register } from './registrations.js';
import { loadDeclaration } from './rows.js';

/** The customs module as the rest of Hutong sees it (docs/customs.md). */
export interface CustomsService {
  readonly settings: CustomsSettings;
  /** Where the single window listens (and the sandbox platform and carrier), if known. */
  readonly endpoints: { readonly singleWindowUrl: string; readonly sandboxPartnersUrl?: string } | undefined;
  register(
    merchantId: string,
    input: { customsOffice: string; ebpCode: string; ebpName: string },
  ): Promise<CustomsRegistration | Failure<CustomsError>>;
  registrations(merchantId: string): Promise<CustomsRegistration[]>;
  declare(
    merchantId: string,
    input: NewDeclaration,
  ): Promise<{ declaration: CustomsDeclaration; replayed: boolean } | Failure<CustomsError>>;
  /** One declaration with its history; `merchantId` undefined is the operator's view. */
  get(merchantId: string | undefined, id: string): Promise<CustomsDeclaration | Failure<CustomsError>>;
  list(merchantId: string | undefined, query: DeclarationQuery): Promise<Page<CustomsDeclaration> | Failure<CustomsError>>;
  modify(merchantId: string, id: string, input: { orderNo?: string }): Promise<CustomsDeclaration | Failure<CustomsError>>;
  /** A receipt customs pushed (the XML as received). */
  acceptReceipt(xml: string): Promise<ReceiptOutcome>;
  /** Polls customs for receipts once; returns how many moved a declaration. */
  pollReceipts(): Promise<number>;
  /** Customs asks for the raw payment record of an order (signed query, signed answer). */
  answerRawDataQuery(query: RawDataQuery): Promise<Record<string, unknown> | Failure<CustomsError>>;
  startPolling(): void;
  stopPolling(): Promise<void>;
  /** Export side: the order (and shipment) of a payment from abroad, its authenticity and its BoP record. */
  recordExport(merchantId: string, input: NewExportTrade): Promise<{ trade: ExportTrade; created: boolean } | Failure<CustomsError>>;
  attachShipment(merchantId: string, paymentId: string, shipment: NewShipment): Promise<ExportTrade | Failure<CustomsError>>;
  getExport(merchantId: string | undefined, paymentId: string): Promise<ExportTrade | Failure<CustomsError>>;
  listExports(merchantId: string | undefined, query: { authenticity?: string; limit?: number }): Promise<ExportTrade[]>;
  bopRecords(merchantId: string | undefined, day: string | undefined): Promise<BopRecord[] | Failure<CustomsError>>;
  bopCsv(records: readonly BopRecord[]): string;
  /** A refund of a payment (docs/customs.md "Refunds"): decided before the refund's unit, claimed inside it. */
  readonly refunds: {
    prepare(merchantId: string, input: RefundInput): Promise<{ plan: RefundPlan; keys: string[] } | Failure<CustomsError>>;
    reserved(trx: CustomsTrx, plan: RefundPlan, refundId: string): Promise<Failure<CustomsError> | undefined>;
  };
}

export const receiptPollIntervalMs = 2_000;

export function createCustomsService(deps: CustomsDeps): CustomsService {
  const settings: CustomsSettings = { ...defaultCustomsSettings, ...deps.settings };
  let cursor = 0;
  deps.timers.register(pushTimerKind, { outside: (job) => pushOne(deps, settings, job), leaseMs: settings.pushLeaseMs });
  deps.timers.register(exportDueTimerKind, { outside: (job) => reviewDue(deps, settings, String(job.payload.paymentId)) });

  async function poll(): Promise<number> {
    const next = await pollReceipts(deps, settings.payCode, cursor);
    cursor = next.cursor;
    return next.applied;
  }
  const poller = repeatEvery(receiptPollIntervalMs, poll, (error) => deps.log(`customs receipts: ${String(error)}`));

  return {
    settings,
    endpoints: deps.endpoints,
    register: (merchantId, input) => register(deps, merchantId, input),
    registrations: (merchantId) => listRegistrations(deps, merchantId),
    declare: (merchantId, input) => declare(deps, settings, merchantId, input),
    async get(merchantId, id) {
      const found = await loadDeclaration(deps.store.reader, id, merchantId);
      return found ?? fail(CustomsError.DeclarationNotFound, `no customs declaration ${id}`);
    },
    list: (merchantId, query) => listDeclarations(deps, merchantId, query),
    modify: (merchantId, id, input) => modify(deps, settings, merchantId, id, input),
    acceptReceipt: (xml) => applyReceipt(deps, xml),
    pollReceipts: poll,
    answerRawDataQuery: (query) => answerRawDataQuery({ ...deps, settings }, query),
    startPolling: poller.start,
    stopPolling: poller.stop,
    recordExport: (merchantId, input) => recordExport(deps, settings, merchantId, input),
    attachShipment: (merchantId, paymentId, shipment) => attachShipment(deps, settings, merchantId, paymentId, shipment),
    getExport: (merchantId, paymentId) => getExport(deps, merchantId, paymentId),
    listExports: (merchantId, query) => listExports(deps, merchantId, query),
    bopRecords: (merchantId, day) => bopRecords(deps, merchantId, day),
    bopCsv: (records) => bopCsv(records, (minor, currency) => formatDecimal({ minor, currency })),
    refunds: {
      async prepare(merchantId, input) {
        const plan = await prepareRefund(deps, settings, merchantId, input);
        return isFailure(plan) ? plan : { plan, keys: refundKeysOf(plan) };
      },
      reserved: (trx, plan, refundId) => reserveRefund(trx, deps, plan, refundId),
    },
  };
}
