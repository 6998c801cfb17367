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
  Complaint,
  PayBillInput,
  PropertyUnitView,
  ReconException,
  ReconReport,
} from './model.js';
import { payBill } from './pay-bill.js';
import { propertyRoll } from './property.js';
import { listExceptions, reconcileBiller } from './recon.js';
import { getBiller, listBillers, registerBiller } from './registry.js';
import { createSweeper, sweepOnce } from './resolve.js';

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
  reconcile(billerId: string, fileDate: string): Promise<Result<ReconReport>>;
  listReconExceptions(billerId: string): Promise<ReconException[]>;
  propertyRoll(merchantId: string, billerId: string): Promise<Result<PropertyUnitView[]>>;
  /** One pass over unanswered postings (tests and `hutong start` via the sweeper). */
  sweepOnce(): Promise<number>;
  readonly sweeper: Loop;
}

export function createBillpayService(deps: BillpayDeps): BillpayService {
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
    reconcile: (billerId, fileDate) => reconcileBiller(deps, billerId, fileDate),
    listReconExceptions: (billerId) => listExceptions(deps, billerId),
    propertyRoll: (merchantId, billerId) => propertyRoll(deps, merchantId, billerId),
    sweepOnce: () => sweepOnce(deps),
    sweeper: createSweeper(deps),
  };
}
