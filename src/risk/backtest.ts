import type { Store } from '../store/index.js';
import type { BacktestResult, FraudCheck, FraudRule, NewRule } from './model.js';
import { runRules } from './fraud.js';
import { engineOf } from './rules.js';

/**
 * A backtest (issue 16): what a rule would have done to past card payments before it is enabled.
 * Each stored decision's facts are replayed through the rule, with velocity counted as it was at
 * that moment (the velocity log up to the decision's time), and the matched payments' outcomes are
 * looked up (`outcomes`, a read model bound in src/app.ts).
 */
export const backtestPaymentsMax = 20_000;

export async function backtest(
  deps: { store: Store; outcomes: (ids: readonly string[]) => Promise<Map<string, { status: string; refundedMinor: bigint }>> },
  rule: NewRule,
  range: { fromIso?: string; toIso?: string },
): Promise<BacktestResult> {
  let q = deps.store.reader
    .selectFrom('risk_decisions')
    .select(['payment_id', 'facts', 'at'])
    .orderBy('at', 'desc')
    .limit(backtestPaymentsMax);
  if (range.fromIso !== undefined) q = q.where('at', '>=', range.fromIso);
  if (range.toIso !== undefined) q = q.where('at', '<', range.toIso);
  const rows = await q.execute();
  const asRule: FraudRule = {
    id: 'backtest',
    version: 0,
    name: rule.name,
    action: rule.action as FraudRule['action'],
    conditions: rule.conditions,
    status: 'enabled',
    failMode: 'open',
    createdBy: 'backtest',
    createdAt: new Date(0).toISOString(),
  };
  const active = [{ rule: asRule, engine: engineOf(asRule) }];
  const seen = new Set<string>();
  const matched: { paymentId: string; currency: string; minor: bigint }[] = [];
  let evaluated = 0;
  for (const row of rows) {
    // The latest decision of each payment (a payment confirmed again after a decline has several).
    if (seen.has(row.payment_id)) continue;
    seen.add(row.payment_id);
    const stored = JSON.parse(row.facts) as Omit<FraudCheck, 'at' | 'amount'> & { amount: { minor: string; currency: string } };
    const check: FraudCheck = {
      ...stored,
      amount: { minor: BigInt(stored.amount.minor), currency: stored.amount.currency },
      at: new Date(row.at),
    };
    evaluated += 1;
    const { fired } = await runRules(deps.store.reader, active, check);
    if (fired.length > 0) matched.push({ paymentId: row.payment_id, currency: check.amount.currency, minor: check.amount.minor });
  }
  const outcomes = await deps.outcomes(matched.map((m) => m.paymentId));
  const matchedByStatus: Record<string, number> = {};
  const amounts = new Map<string, bigint>();
  for (const m of matched) {
    const outcome = outcomes.get(m.paymentId);
    const status = outcome === undefined ? 'unknown' : outcome.refundedMinor > 0n ? `${outcome.status}_refunded` : outcome.status;
    matchedByStatus[status] = (matchedByStatus[status] ?? 0) + 1;
    amounts.set(m.currency, (amounts.get(m.currency) ?? 0n) + m.minor);
  }
  return {
    evaluated,
    matched: matched.length,
    matchedByStatus,
    matchedAmounts: [...amounts].map(([currency, minor]) => ({ currency, minor })),
    sample: matched.slice(0, 20).map((m) => m.paymentId),
  };
}
