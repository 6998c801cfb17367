import type { OperatorArea } from '../risk/index.js';

/**
 * Which operator area each operator route belongs to (least privilege, issue 16; roles in
 * src/risk/roles.ts). Reads (GET) are `read`, except the operator accounts themselves; a change
 * not listed here is `admin`, so a new route is closed to finance, risk and support until it is
 * classified.
 */
const changes: readonly (readonly [RegExp, OperatorArea])[] = [
  [/^\/v1\/operator_sessions\/current$/, 'read'],
  [/^\/v1\/dashboard_sessions\/current$/, 'read'],
  [/^\/v1\/risk\//, 'risk'],
  [/^\/v1\/escrows\/:id\/arbitrate$/, 'risk'],
  [/^\/v1\/bill_complaints\//, 'risk'],
  [/^\/v1\/operator\/(settlement_runs|payout_runs|netting_windows|chargebacks|reconciliation|escrow_periods)/, 'finance'],
  [/^\/v1\/(fx\/rates|ledger\/verify)$/, 'finance'],
  [/^\/v1\/merchants\/:id\/(fee_plan|settlement_schedule|fx_settings)$/, 'finance'],
  [/^\/v1\/billers\/:id\/reconciliations$/, 'finance'],
  [/^\/v1\/customs\/receipts\/poll$/, 'finance'],
];

export function operatorAreaOf(method: string, route: string): OperatorArea {
  if (method === 'GET' || method === 'HEAD') return route.startsWith('/v1/operators') ? 'admin' : 'read';
  for (const [pattern, area] of changes) if (pattern.test(route)) return area;
  return 'admin';
}
