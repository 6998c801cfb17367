import { fail, type Failure } from '../core/index.js';
import { InteropError } from './errors.js';
import type { FlowDeps, Trx } from './ports.js';

/**
 * PBOC bar-code payment rules (2017, in force 2018-04-01; domain.md §5), applied by Hutong as the
 * payer's institution, in CNY: a static code pays at most CNY 500 a day per payer whatever the
 * verification; dynamic codes (a merchant's dynamic code, the payer's own payment code) by the
 * payer's verification level — the setting is the level-B figure (CNY 5,000 a day). Counted inside
 * the writer unit that moves the money, so two payments at once cannot both slip under the limit.
 */
export interface BarcodeLimits {
  readonly staticDailyMaxMinor: bigint;
  readonly dynamicDailyMaxMinor: bigint;
}

export const defaultBarcodeLimits: BarcodeLimits = { staticDailyMaxMinor: 50_000n, dynamicDailyMaxMinor: 500_000n };

export async function checkBarcodeLimit(
  deps: FlowDeps,
  trx: Trx,
  payer: { customerId: string; kind: 'static' | 'dynamic'; currency: string; amountMinor: bigint },
): Promise<Failure<InteropError> | undefined> {
  if (payer.currency !== 'CNY') return undefined;
  const limits = deps.settings.barcodeLimits ?? defaultBarcodeLimits;
  const day = deps.clock.now().toISOString().slice(0, 10);
  const [from, to] = [`${day}T00:00:00.000Z`, `${day}T23:59:59.999Z`];
  const scans = await trx
    .selectFrom('interop_scans')
    .select(['amount', 'code_kind'])
    .where('customer_id', '=', payer.customerId)
    .where('currency', '=', 'CNY')
    .where('status', 'in', ['pending', 'succeeded'])
    .where('created_at', '>=', from)
    .where('created_at', '<=', to)
    .execute();
  const sum = (kind: string) => scans.filter((s) => (s.code_kind ?? 'dynamic') === kind).reduce((total, s) => total + BigInt(s.amount), 0n);
  if (payer.kind === 'static') {
    if (sum('static') + payer.amountMinor > limits.staticDailyMaxMinor)
      return fail(
        InteropError.BarcodeLimitExceeded,
        `static codes pay at most ${limits.staticDailyMaxMinor} CNY minor units a day per payer`,
      );
    return undefined;
  }
  const codes = await trx
    .selectFrom('interop_payment_codes')
    .select('amount')
    .where('customer_id', '=', payer.customerId)
    .where('currency', '=', 'CNY')
    .where('status', '=', 'used')
    .where('used_at', '>=', from)
    .where('used_at', '<=', to)
    .execute();
  const spent = sum('dynamic') + codes.reduce((total, c) => total + BigInt(c.amount ?? 0n), 0n);
  if (spent + payer.amountMinor > limits.dynamicDailyMaxMinor)
    return fail(
      InteropError.BarcodeLimitExceeded,
      `dynamic codes pay at most ${limits.dynamicDailyMaxMinor} CNY minor units a day for this payer`,
    );
  return undefined;
}
