import { sql, type Kysely, type Transaction } from 'kysely';
import { type Clock, fail, type Failure } from '../core/index.js';
import type { Database } from '../store/index.js';
import { formatDecimal } from '../money/index.js';
import { RiskError } from './errors.js';
import type { Debit, DebitGuard, LimitTier, VerificationLevel } from './model.js';
import { periodKeys } from './periods.js';
import type { TierTable } from './tiers.js';

/** The writer key of a party's limit counters (declared by every unit that moves them). */
export const limitKeyOf = (partyId: string): string => `risk/limits/${partyId}`;

interface Counter {
  readonly name: 'cumulative' | 'year' | 'day';
  readonly period: string;
  readonly limitMinor: bigint;
}

export function countersOf(tier: LimitTier, at: Date): Counter[] {
  const keys = periodKeys(at);
  const out: Counter[] = [];
  if (tier.cumulativeMinor !== null) out.push({ name: 'cumulative', period: keys.life, limitMinor: tier.cumulativeMinor });
  if (tier.yearlyMinor !== null) out.push({ name: 'year', period: keys.year, limitMinor: tier.yearlyMinor });
  if (tier.dailyMinor !== null) out.push({ name: 'day', period: keys.day, limitMinor: tier.dailyMinor });
  return out;
}

/**
 * Counts a balance payment against the payer's real-name limits, inside the debit's writer unit.
 * Each counter moves by one conditional upsert: the row is locked (PostgreSQL) or the writer is
 * alone (SQLite) while `used + amount <= limit` is evaluated, so concurrent debits at a limit
 * cannot both pass it. A refusal is returned as the unit's result and the writer rolls back the
 * counters already moved together with the rest of the unit.
 */
export function createDebitGuard(deps: { clock: Clock; tiers: TierTable }): DebitGuard {
  const { clock, tiers } = deps;

  async function charge(trx: Transaction<Database>, debit: Debit): Promise<Failure<RiskError> | undefined> {
    const party = await trx
      .selectFrom('risk_parties')
      .select(['level', 'screening'])
      .where('party_id', '=', debit.customerId)
      .executeTakeFirst();
    if (party !== undefined && party.screening !== 'clear')
      return fail(
        RiskError.PartyBlocked,
        party.screening === 'confirmed'
          ? `${debit.customerId} matches a sanctions list; it cannot move money`
          : `${debit.customerId} has a sanctions screening hit waiting for review; it cannot move money until it is cleared`,
      );
    const tier = await tiers.tierOf((party?.level ?? 'none') as VerificationLevel);
    if (!tier.debitsAllowed)
      return fail(
        RiskError.VerificationRequired,
        `${debit.customerId} is at verification level ${tier.level}, which may not pay from its balance`,
      );
    const counters = countersOf(tier, clock.now());
    if (counters.length === 0) return undefined;
    const { currency, minor } = debit.amount;
    if (currency !== tier.currency)
      return fail(
        RiskError.LimitCurrencyUnsupported,
        `the real-name limits of class ${tier.pbocClass} are kept in ${tier.currency}; balance payments in ${currency} are not allowed`,
      );
    for (const counter of counters) {
      if (minor > counter.limitMinor) return refusal(trx, debit, tier, counter);
      const moved = await trx
        .insertInto('risk_limit_usage')
        .values({ party_id: debit.customerId, period: counter.period, currency, used_minor: minor })
        .onConflict((oc) =>
          oc
            .columns(['party_id', 'period'])
            .doUpdateSet({ used_minor: sql<bigint>`risk_limit_usage.used_minor + excluded.used_minor` })
            .where(sql<bigint>`risk_limit_usage.used_minor + excluded.used_minor`, '<=', counter.limitMinor),
        )
        .executeTakeFirst();
      if (moved.numInsertedOrUpdatedRows !== 1n) return refusal(trx, debit, tier, counter);
      if (debit.ref !== undefined)
        await trx
          .insertInto('risk_limit_charges')
          .values({ ref: debit.ref, party_id: debit.customerId, period: counter.period, amount_minor: minor, released_minor: 0n })
          .execute();
    }
    return undefined;
  }

  async function release(trx: Transaction<Database>, refund: { customerId: string; ref: string; amountMinor: bigint }): Promise<void> {
    const charges = await trx
      .selectFrom('risk_limit_charges')
      .selectAll()
      .where('ref', '=', refund.ref)
      .where('party_id', '=', refund.customerId)
      .execute();
    for (const charge of charges) {
      const back =
        refund.amountMinor < charge.amount_minor - charge.released_minor ? refund.amountMinor : charge.amount_minor - charge.released_minor;
      if (back <= 0n) continue;
      await trx
        .updateTable('risk_limit_charges')
        .set({ released_minor: charge.released_minor + back })
        .where('ref', '=', charge.ref)
        .where('period', '=', charge.period)
        .execute();
      await trx
        .updateTable('risk_limit_usage')
        .set({ used_minor: sql<bigint>`case when used_minor > ${back} then used_minor - ${back} else 0 end` })
        .where('party_id', '=', refund.customerId)
        .where('period', '=', charge.period)
        .execute();
    }
  }

  async function refusal(trx: Transaction<Database>, debit: Debit, tier: LimitTier, counter: Counter): Promise<Failure<RiskError>> {
    const row = await trx
      .selectFrom('risk_limit_usage')
      .select('used_minor')
      .where('party_id', '=', debit.customerId)
      .where('period', '=', counter.period)
      .executeTakeFirst();
    const usedMinor = row === undefined ? 0n : row.used_minor;
    const left = counter.limitMinor > usedMinor ? counter.limitMinor - usedMinor : 0n;
    const money = (m: bigint) => `${formatDecimal({ minor: m, currency: tier.currency })} ${tier.currency}`;
    const period = { cumulative: 'cumulative', year: 'yearly', day: 'daily' }[counter.name];
    return fail(
      RiskError.LimitExceeded,
      `class ${tier.pbocClass} ${period} balance-payment limit of ${money(counter.limitMinor)}: ${money(left)} left, ${money(debit.amount.minor)} asked`,
    );
  }

  return { keysOf: (customerId) => [limitKeyOf(customerId)], charge, release };
}

export async function usageOf(
  db: Kysely<Database>,
  partyId: string,
  tier: LimitTier,
  at: Date,
): Promise<{ name: Counter['name']; period: string; limitMinor: bigint; usedMinor: bigint }[]> {
  const counters = countersOf(tier, at);
  if (counters.length === 0) return [];
  const rows = await db
    .selectFrom('risk_limit_usage')
    .select(['period', 'used_minor'])
    .where('party_id', '=', partyId)
    .where(
      'period',
      'in',
      counters.map((c) => c.period),
    )
    .execute();
  const used = new Map(rows.map((r) => [r.period, r.used_minor]));
  return counters.map((c) => ({ name: c.name, period: c.period, limitMinor: c.limitMinor, usedMinor: used.get(c.period) ?? 0n }));
}
