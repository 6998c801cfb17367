/** The rollup tables of the reports read model (migration 015-reports, docs/reports.md). */
export interface ReportDims {
  merchant_id: string;
  /** The UTC hour, `YYYY-MM-DDTHH`. */
  hour: string;
  currency: string;
  /** `card`, `wallet`, `external_wallet`, or '' (none chosen). */
  method: string;
  /** The card brand, or ''. */
  brand: string;
  channel: string;
}

export interface ReportMoneyTable extends ReportDims {
  captured_count: bigint;
  captured: bigint;
  refunded_count: bigint;
  refunded: bigint;
  fees: bigint;
  fx_margin: bigint;
  net: bigint;
  escrow_held: bigint;
  escrow_released: bigint;
  chargebacks: bigint;
}

export interface ReportAttemptsTable extends ReportDims {
  /** `approved`, `declined` or `timeout`. */
  outcome: string;
  /** The response code of a decline, '' otherwise. */
  code: string;
  count: bigint;
  latency_ms: bigint;
}

export interface ReportLatencyTable {
  merchant_id: string;
  channel: string;
  hour: string;
  /** The bucket's upper bound in ms; -1 past the last bound. */
  bucket_ms: bigint;
  count: bigint;
}

export interface ReportTables {
  report_money: ReportMoneyTable;
  report_attempts: ReportAttemptsTable;
  report_latency: ReportLatencyTable;
}
