import type { RiskCase } from '../../risk/index.js';

/** A suspicious-activity case as the operator API shows it (snake_case, the amount an integer of minor units). */
export function caseView(c: RiskCase) {
  return {
    object: 'risk_case' as const,
    id: c.id,
    party: c.partyId,
    merchant: c.merchantId,
    typology: c.typology,
    period: c.period,
    currency: c.currency,
    amount: Number(c.totalMinor),
    evidence: [...c.evidence],
    summary: c.summary,
    status: c.status,
    analyst: c.analyst,
    reason: c.reason,
    created_at: c.createdAt,
    decided_at: c.decidedAt,
  };
}
