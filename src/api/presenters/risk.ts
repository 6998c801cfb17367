import { Type } from '@sinclair/typebox';
import type {
  BacktestResult,
  FraudDecision,
  FraudRule,
  LimitTier,
  Operator,
  PartyLimits,
  Review,
  ScreeningHit,
  Verification,
} from '../../risk/index.js';

/** API views of risk objects (src/risk): snake_case, amounts as integers of minor units. */
const Minor = Type.Union([Type.Integer(), Type.Null()]);

export const TierView = Type.Object({
  object: Type.Literal('limit_tier'),
  level: Type.String(),
  pboc_class: Type.String(),
  factors: Type.Integer(),
  debits_allowed: Type.Boolean(),
  currency: Type.String(),
  cumulative_limit: Minor,
  yearly_limit: Minor,
  daily_limit: Minor,
  updated_at: Type.String(),
});

export function tierView(tier: LimitTier) {
  return {
    object: 'limit_tier' as const,
    level: tier.level,
    pboc_class: tier.pbocClass,
    factors: tier.factors,
    debits_allowed: tier.debitsAllowed,
    currency: tier.currency,
    cumulative_limit: tier.cumulativeMinor === null ? null : Number(tier.cumulativeMinor),
    yearly_limit: tier.yearlyMinor === null ? null : Number(tier.yearlyMinor),
    daily_limit: tier.dailyMinor === null ? null : Number(tier.dailyMinor),
    updated_at: tier.updatedAt,
  };
}

export const LimitsView = Type.Object({
  object: Type.Literal('customer_limits'),
  customer: Type.String(),
  level: Type.String(),
  pboc_class: Type.String(),
  screening: Type.String(),
  debits_allowed: Type.Boolean(),
  currency: Type.String(),
  limits: Type.Array(
    Type.Object({ period: Type.String(), key: Type.String(), limit: Type.Integer(), used: Type.Integer(), remaining: Type.Integer() }),
  ),
});

export function limitsView(limits: PartyLimits) {
  return {
    object: 'customer_limits' as const,
    customer: limits.partyId,
    level: limits.level,
    pboc_class: limits.tier.pbocClass,
    screening: limits.screening,
    debits_allowed: limits.tier.debitsAllowed,
    currency: limits.tier.currency,
    limits: limits.usage.map((u) => ({
      period: u.period,
      key: u.key,
      limit: Number(u.limitMinor),
      used: Number(u.usedMinor),
      remaining: Number(u.limitMinor > u.usedMinor ? u.limitMinor - u.usedMinor : 0n),
    })),
  };
}

export const VerificationView = Type.Object({
  object: Type.Literal('verification'),
  customer: Type.String(),
  requested_level: Type.String(),
  level: Type.String(),
  pboc_class: Type.String(),
  screening: Type.String(),
  limits: LimitsView,
});

export function verificationView(v: Verification) {
  return {
    object: 'verification' as const,
    customer: v.customerId,
    requested_level: v.requestedLevel,
    level: v.level,
    pboc_class: v.limits.tier.pbocClass,
    screening: v.screening,
    limits: limitsView(v.limits),
  };
}

export const HitView = Type.Object({
  object: Type.Literal('screening_hit'),
  id: Type.String(),
  party: Type.String(),
  party_type: Type.String(),
  merchant: Type.String(),
  context: Type.String(),
  subject_name: Type.String(),
  list: Type.String(),
  entry_id: Type.String(),
  matched_name: Type.String(),
  score: Type.Number(),
  status: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  decided_at: Type.Union([Type.String(), Type.Null()]),
});

export function hitView(hit: ScreeningHit) {
  return {
    object: 'screening_hit' as const,
    id: hit.id,
    party: hit.partyId,
    party_type: hit.partyType,
    merchant: hit.merchantId,
    context: hit.context,
    subject_name: hit.subjectName,
    list: hit.list,
    entry_id: hit.entryId,
    matched_name: hit.matchedName,
    score: hit.scorePermille / 1000,
    status: hit.status,
    reason: hit.reason,
    created_at: hit.createdAt,
    decided_at: hit.decidedAt,
  };
}

export const OperatorView = Type.Object({
  object: Type.Literal('operator'),
  id: Type.String(),
  login: Type.String(),
  name: Type.String(),
  role: Type.String(),
  status: Type.String(),
  created_at: Type.String(),
});

export function operatorView(o: Operator) {
  return { object: 'operator' as const, id: o.id, login: o.login, name: o.name, role: o.role, status: o.status, created_at: o.createdAt };
}

export function ruleView(r: FraudRule) {
  return {
    object: 'risk_rule' as const,
    id: r.id,
    version: r.version,
    name: r.name,
    action: r.action,
    conditions: r.conditions,
    status: r.status,
    fail_mode: r.failMode,
    created_by: r.createdBy,
    created_at: r.createdAt,
  };
}

export function decisionView(d: FraudDecision) {
  return {
    object: 'risk_decision' as const,
    id: d.id,
    payment: d.paymentId,
    action: d.action,
    fired: d.fired,
    errors: d.errors,
    micros: d.micros,
    at: d.at,
  };
}

export function reviewView(r: Review) {
  return {
    object: 'risk_review' as const,
    payment: r.paymentId,
    merchant: r.merchantId,
    decision: r.decisionId,
    status: r.status,
    analyst: r.analyst,
    reason: r.reason,
    created_at: r.createdAt,
    decided_at: r.decidedAt,
  };
}

export function backtestView(b: BacktestResult) {
  return {
    object: 'risk_backtest' as const,
    evaluated: b.evaluated,
    matched: b.matched,
    matched_by_status: b.matchedByStatus,
    matched_amounts: b.matchedAmounts.map((a) => ({ currency: a.currency, amount: Number(a.minor) })),
    sample: b.sample,
  };
}
