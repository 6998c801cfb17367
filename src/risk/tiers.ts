import { type Clock, fail, type Failure } from '../core/index.js';
import type { Store, Database } from '../store/index.js';
import { isCurrencyCode } from '../money/index.js';
import { RiskError } from './errors.js';
import { verificationLevels, type LimitTier, type PbocClass, type TierChange, type VerificationLevel } from './model.js';

/**
 * The real-name table is read on every wallet debit, so each node keeps it in memory. A change
 * made on this node is seen at once; other nodes see it within `tierCacheTtlMs`.
 */
const tierCacheTtlMs = 5_000;
/** Largest limit accepted: CNY 100 million, far above any PBOC class. */
const limitMinorMax = 10_000_000_000n;

export function createTierTable(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  let cached: { tiers: Map<VerificationLevel, LimitTier>; expiresAtMs: number } | undefined;

  async function all(): Promise<Map<VerificationLevel, LimitTier>> {
    const nowMs = clock.now().getTime();
    if (cached !== undefined && cached.expiresAtMs > nowMs) return cached.tiers;
    const rows = await store.reader.selectFrom('risk_limit_tiers').selectAll().execute();
    const tiers = new Map(rows.map((row) => [row.level as VerificationLevel, toTier(row)]));
    cached = { tiers, expiresAtMs: nowMs + tierCacheTtlMs };
    return tiers;
  }

  async function tierOf(level: VerificationLevel): Promise<LimitTier> {
    const tier = (await all()).get(level);
    if (tier === undefined) throw new Error(`the real-name table has no row for level ${level}`);
    return tier;
  }

  async function list(): Promise<LimitTier[]> {
    const tiers = await all();
    return verificationLevels.map((level) => tiers.get(level)).filter((t): t is LimitTier => t !== undefined);
  }

  async function change(level: string, input: TierChange): Promise<{ before: LimitTier; after: LimitTier } | Failure<RiskError>> {
    if (!(verificationLevels as readonly string[]).includes(level)) return fail(RiskError.TierInvalid, `no verification level ${level}`);
    if (input.currency !== undefined && !isCurrencyCode(input.currency))
      return fail(RiskError.TierInvalid, `${input.currency} is not a supported currency`);
    for (const [name, value] of Object.entries({ cumulative: input.cumulativeMinor, yearly: input.yearlyMinor, daily: input.dailyMinor })) {
      if (value !== undefined && value !== null && (value < 0n || value > limitMinorMax))
        return fail(RiskError.TierInvalid, `the ${name} limit must be from 0 to ${limitMinorMax} minor units`);
    }
    cached = undefined;
    const before = await tierOf(level as VerificationLevel);
    await store.db
      .updateTable('risk_limit_tiers')
      .set({
        ...(input.debitsAllowed === undefined ? {} : { debits_allowed: input.debitsAllowed ? 1n : 0n }),
        ...(input.currency === undefined ? {} : { currency: input.currency }),
        ...(input.cumulativeMinor === undefined ? {} : { cumulative_minor: input.cumulativeMinor }),
        ...(input.yearlyMinor === undefined ? {} : { yearly_minor: input.yearlyMinor }),
        ...(input.dailyMinor === undefined ? {} : { daily_minor: input.dailyMinor }),
        updated_at: clock.now().toISOString(),
      })
      .where('level', '=', level)
      .execute();
    cached = undefined;
    return { before, after: await tierOf(level as VerificationLevel) };
  }

  return { tierOf, list, change, forget: () => (cached = undefined) };
}

export type TierTable = ReturnType<typeof createTierTable>;

function toTier(row: Database['risk_limit_tiers']): LimitTier {
  return {
    level: row.level as VerificationLevel,
    pbocClass: row.pboc_class as PbocClass,
    factors: Number(row.factors),
    debitsAllowed: row.debits_allowed === 1n,
    currency: row.currency,
    cumulativeMinor: row.cumulative_minor,
    yearlyMinor: row.yearly_minor,
    dailyMinor: row.daily_minor,
    updatedAt: row.updated_at,
  };
}
