import type { ImportReport, ReconException } from '../../reconciliation/index.js';

/** Reconciliation imports and exceptions as the API shows them (the statement import and the billers' files). */
export const importView = (r: ImportReport) => ({
  id: r.id,
  object: 'reconciliation_import' as const,
  kind: r.kind,
  name: r.name,
  account: r.account,
  lines: r.lines,
  matched: r.matched,
  exceptions: r.exceptions,
  by_kind: r.byKind,
  closing_balance: r.closing === null ? null : { currency: r.closing.currency, amount: Number(r.closing.minor) },
  created_at: r.createdAt,
});

export const exceptionView = (e: ReconException) => ({
  id: e.id,
  object: 'reconciliation_exception' as const,
  import: e.importId,
  kind: e.kind,
  reference: e.reference,
  account: e.account,
  currency: e.currency,
  expected_amount: e.expectedMinor === null ? null : Number(e.expectedMinor),
  actual_amount: e.actualMinor === null ? null : Number(e.actualMinor),
  detail: e.detail,
  status: e.status,
  resolution: e.resolution,
  resolution_entry: e.resolutionEntryId,
  created_at: e.createdAt,
  resolved_at: e.resolvedAt,
});
