import { fail, type Failure } from '../core/index.js';
import { formatDecimal } from '../money/index.js';
import { CustomsError } from './errors.js';
import type { Transaction } from 'kysely';
import type { CustomsTables } from './schema.js';

/**
 * The cross-border retail import limits (domain.md §7; docs/customs.md "Import limits"): an order
 * is at most CNY 5,000, and a person's imports in a calendar year (China time) at most CNY 26,000.
 * They are checked by the buyer's identity across merchants, at two moments with one rule:
 *
 * - at payment (fx's import-order check, through the port src/app.ts wires): the person's import
 *   payments of the year, less their refunds;
 * - at declaration (src/customs/declare.ts): the person's declarations of the year that count.
 *
 * The annual check runs inside the caller's writer unit and first takes the person's row for that
 * year in `customs_limit_holds` (an upsert, so a row lock on PostgreSQL until the unit commits): two
 * units for one person — in one process or in two — run the check one after the other, and only
 * one of them can spend the last allowance.
 */
export interface ImportLimitSettings {
  readonly importSingleMaxCnyMinor: bigint;
  readonly importAnnualMaxCnyMinor: bigint;
  /** The calendar year of the annual limit is China's (UTC+8, no daylight saving). */
  readonly limitUtcOffsetMinutes: number;
}

export const defaultImportLimitSettings: ImportLimitSettings = {
  importSingleMaxCnyMinor: 500_000n,
  importAnnualMaxCnyMinor: 2_600_000n,
  limitUtcOffsetMinutes: 8 * 60,
};

export interface AnnualCheck {
  /** The person's key (an HMAC of the ID document, never the number). */
  readonly personKey: string;
  readonly year: number;
  /** What this order adds, CNY fen. */
  readonly cnyMinor: bigint;
  /** What the person has used of the year's allowance, read after the hold is taken. */
  readonly used: () => Promise<bigint>;
}

export interface ImportLimits {
  readonly settings: ImportLimitSettings;
  /** The calendar year (in China) an import at `at` counts in. */
  yearOf(at: Date): number;
  /** An order above the per-order limit is refused. */
  checkOrder(cnyMinor: bigint): Failure<CustomsError> | undefined;
  /** In the caller's writer unit: holds the person's year, then checks used + this order ≤ the allowance. */
  checkAnnual(trx: Transaction<CustomsTables>, check: AnnualCheck): Promise<Failure<CustomsError> | undefined>;
  /** What is left of an allowance once `used` is spent (never below zero). */
  remaining(used: bigint): bigint;
}

const yuan = (fen: bigint) => `CNY ${formatDecimal({ minor: fen, currency: 'CNY' })}`;

export function createImportLimits(overrides: Partial<ImportLimitSettings> = {}, clock?: { now(): Date }): ImportLimits {
  const settings: ImportLimitSettings = {
    importSingleMaxCnyMinor: overrides.importSingleMaxCnyMinor ?? defaultImportLimitSettings.importSingleMaxCnyMinor,
    importAnnualMaxCnyMinor: overrides.importAnnualMaxCnyMinor ?? defaultImportLimitSettings.importAnnualMaxCnyMinor,
    limitUtcOffsetMinutes: overrides.limitUtcOffsetMinutes ?? defaultImportLimitSettings.limitUtcOffsetMinutes,
  };
  const remaining = (used: bigint) => {
    const left = settings.importAnnualMaxCnyMinor - used;
    return left < 0n ? 0n : left;
  };
  return {
    settings,
    yearOf: (at) => new Date(at.getTime() + settings.limitUtcOffsetMinutes * 60_000).getUTCFullYear(),
    remaining,
    checkOrder(cnyMinor) {
      if (cnyMinor <= settings.importSingleMaxCnyMinor) return undefined;
      return fail(
        CustomsError.SingleLimitExceeded,
        `a cross-border import order may be at most ${yuan(settings.importSingleMaxCnyMinor)}; this one is ${yuan(cnyMinor)}`,
      );
    },
    async checkAnnual(trx, check) {
      const at = (clock?.now() ?? new Date()).toISOString();
      // The hold: an upsert of the person's row for the year. On PostgreSQL it locks that row until
      // the unit commits, so a second check for the person (another merchant, another process) waits
      // here and then reads what the first one committed; SQLite has one writer at a time anyway.
      await trx
        .insertInto('customs_limit_holds')
        .values({ person_key: check.personKey, limit_year: BigInt(check.year), checked_at: at })
        .onConflict((oc) => oc.columns(['person_key', 'limit_year']).doUpdateSet({ checked_at: at }))
        .execute();
      const used = await check.used();
      if (used + check.cnyMinor <= settings.importAnnualMaxCnyMinor) return undefined;
      return fail(
        CustomsError.AnnualLimitExceeded,
        `the payer's cross-border import allowance for ${check.year} is ${yuan(settings.importAnnualMaxCnyMinor)}; ${yuan(remaining(used))} is left, this order is ${yuan(check.cnyMinor)}`,
      );
    },
  };
}
