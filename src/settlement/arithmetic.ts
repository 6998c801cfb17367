/**
 * The arithmetic of one settlement statement, pure so it can be proved by properties:
 * carriedIn + linesTotal = payout + reserve + carriedOut, always; the payout is never negative
 * and never below the minimum; a negative total carries forward whole.
 */
export interface SettlementTerms {
  readonly minimumPayoutMinor: bigint;
  /** Rolling reserve in basis points of a positive total (1000 = 10%). */
  readonly reserveBps: bigint;
}

export interface SettlementFigures {
  readonly total: bigint;
  readonly reserve: bigint;
  readonly payout: bigint;
  readonly carriedOut: bigint;
}

export function settle(carriedIn: bigint, linesTotal: bigint, terms: SettlementTerms): SettlementFigures {
  const total = carriedIn + linesTotal;
  if (total <= 0n) return { total, reserve: 0n, payout: 0n, carriedOut: total };
  const reserve = (total * terms.reserveBps) / 10_000n;
  const payout = total - reserve;
  const minimum = terms.minimumPayoutMinor > 0n ? terms.minimumPayoutMinor : 1n;
  // Below the minimum nothing moves: the whole total (reserve included) waits for the next run.
  if (payout < minimum) return { total, reserve: 0n, payout: 0n, carriedOut: total };
  return { total, reserve, payout, carriedOut: 0n };
}
