import type { Failure, Loop } from '../core/index.js';
import { raiseComplaint, getComplaint, resolveComplaint, type ComplaintReason } from './complaints.js';
import type { BillpayDeps } from './deps.js';
import type { BillpayError } from './errors.js';
import { fetchBill, getBill, type FetchBillInput, type FetchBillResult } from './fetch-bill.js';
import { getPayment, listPayments } from './history.js';
import type {
  Bill,
  Biller,
  BillerInput,
  BillPayment,
  AutopayRun,
  BillerDayReport,
  Complaint,
  PayBillInput,
  SaveBillerInput,
  SavedBiller,
  PropertyUnitView,
} from './model.js';
import { payBill } from './pay-bill.js';
import { propertyRoll } from './property.js';
import { billerFile, createBillerBooks, type BillerBooks } from './recon.js';
import { getBiller, listBillers, registerBiller } from './registry.js';
import { createSweeper, sweepOnce } from './resolve.js';
import { autopayTimerKind, runAutopay } from './autopay.js';
import { billerDayReport } from './report.js';
import { getSavedBiller, listAutopayRuns, listSavedBillers, removeSavedBiller, saveBiller } from './saved-billers.js';

type Result<T> = T | Failure<BillpayError>;

/** Bill payment (issue 15): the registry, bills, payments from the wallet, complaints, reconciliation. */
export interface BillpayService {
  registerBiller(input: BillerInput): Promise<Result<Biller>>;
  getBiller(id: string): Promise<Biller | undefined>;
  listBillers(filter: { category?: string; region?: string; includeSuspended?: boolean }): Promise<Biller[]>;
  fetchBill(merchantId: string, input: FetchBillInput): Promise<FetchBillResult>;
  getBill(merchantId: string, id: string): Promise<Result<Bill>>;
  payBill(merchantId: string, input: PayBillInput): Promise<Result<BillPayment>>;
  /** Merchant-scoped; `undefined` merchant = the operator. */
  getPayment(merchantId: string | undefined, id: string): Promise<Result<BillPayment>>;
  listPayments(merchantId: string, filter: { customerId?: string; limit?: number }): Promise<BillPayment[]>;
  raiseComplaint(
    merchantId: string,
    input: { paymentId: string; reason: ComplaintReason; description?: string },
  ): Promise<Result<Complaint>>;
  getComplaint(merchantId: string | undefined, id: string): Promise<Result<Complaint>>;
  resolveComplaint(id: string, resolution: string): Promise<Result<Complaint>>;
  /** The biller's end-of-day file (CSV), for src/reconciliation to import. */
  billerFile(billerId: string, date: string): Promise<Result<string>>;
  /** What reconciliation asks of bill payment about a biller's file (its BillerBooksPort). */
  readonly books: BillerBooks;
  propertyRoll(merchantId: string, billerId: string): Promise<Result<PropertyUnitView[]>>;
  saveBiller(merchantId: string, input: SaveBillerInput): Promise<Result<SavedBiller>>;
  getSavedBiller(merchantId: string, id: string): Promise<Result<SavedBiller>>;
  listSavedBillers(merchantId: string, customerId?: string): Promise<SavedBiller[]>;
  removeSavedBiller(merchantId: string, id: string): Promise<Result<SavedBiller>>;
  listAutopayRuns(merchantId: string, savedId: string): Promise<Result<AutopayRun[]>>;
  /** A biller's day; `undefined` viewer = the operator, else only the biller's own settlement merchant. */
  billerDayReport(viewer: string | undefined, billerId: string, date: string): Promise<Result<BillerDayReport>>;
  /** One auto-pay check of a saved biller (what its timer runs); the next check's time, if any. */
  runAutopay(savedId: string): Promise<undefined | { retryAt: Date }>;
  /** One pass over unanswered postings (tests and `hutong start` via the sweeper). */
  sweepOnce(): Promise<number>;
  readonly sweeper: Loop;
}

export function createBillpayService(deps: BillpayDeps): BillpayService {
  deps.timers?.register(autopayTimerKind, { outside: (job) => runAutopay(deps, String(job.payload.savedId)) });
  return {
    registerBiller: (input) => registerBiller(deps, input),
    getBiller: (id) => getBiller(deps, id),
    listBillers: (filter) => listBillers(deps, filter),
    fetchBill: (merchantId, input) => fetchBill(deps, merchantId, input),
    getBill: (merchantId, id) => getBill(deps, merchantId, id),
    payBill: (merchantId, input) => payBill(deps, merchantId, input),
    getPayment: (merchantId, id) => getPayment(deps, merchantId, id),
    listPayments: (merchantId, filter) => listPayments(deps, merchantId, filter),
    raiseComplaint: (merchantId, input) => raiseComplaint(deps, merchantId, input),
    getComplaint: (merchantId, id) => getComplaint(deps, merchantId, id),
    resolveComplaint: (id, resolution) => resolveComplaint(deps, id, resolution),
    billerFile: (billerId, date) => billerFile(deps, billerId, date),
    books: createBillerBooks(deps),
    propertyRoll: (merchantId, billerId) => propertyRoll(deps, merchantId, billerId),
    saveBiller: (merchantId, input) => saveBiller(deps, merchantId, input),
    getSavedBiller: (merchantId, id) => getSavedBiller(deps, merchantId, id),
    listSavedBillers: (merchantId, customerId) => listSavedBillers(deps, merchantId, customerId),
    removeSavedBiller: (merchantId, id) => removeSavedBiller(deps, merchantId, id),
    listAutopayRuns: (merchantId, savedId) => listAutopayRuns(deps, merchantId, savedId),
    runAutopay: (savedId) => runAutopay(deps, savedId),
    billerDayReport: (viewer, billerId, date) => billerDayReport(deps, viewer, billerId, date),
    sweepOnce: () => sweepOnce(deps),
    sweeper: createSweeper(deps),
  };
}
