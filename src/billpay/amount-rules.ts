import type { AmountRule } from './model.js';

/**
 * Whether an amount may be paid (BBPS's amount exactness; domain.md §9). `dueMinor` is what the
 * biller says is due (null when nothing was fetched: validate and direct billers); `periods` are
 * the amounts of whole periods, oldest first. The biller's limits bound every payment.
 * Returns the number of whole periods paid (or null), or why the amount is refused.
 */
export interface AmountContext {
  readonly rule: AmountRule;
  readonly minMinor: bigint;
  readonly maxMinor: bigint;
  readonly dueMinor: bigint | null;
  readonly periods: readonly bigint[];
}

export type AmountVerdict = { readonly ok: true; readonly periods: number | null } | { readonly ok: false; readonly detail: string };

export function checkAmount(context: AmountContext, amountMinor: bigint): AmountVerdict {
  const { rule, dueMinor } = context;
  if (amountMinor <= 0n) return { ok: false, detail: 'the amount must be positive' };
  if (amountMinor < context.minMinor || amountMinor > context.maxMinor)
    return { ok: false, detail: `the biller takes ${context.minMinor}–${context.maxMinor} minor units in one payment` };
  if (rule === 'any') return { ok: true, periods: null };
  if (rule === 'whole_periods') {
    let sum = 0n;
    for (const [index, period] of context.periods.entries()) {
      sum += period;
      if (sum === amountMinor) return { ok: true, periods: index + 1 };
      if (sum > amountMinor) break;
    }
    return { ok: false, detail: 'the amount must pay whole periods, oldest first' };
  }
  if (dueMinor === null) return { ok: false, detail: 'there is no bill to compare the amount with' };
  if (rule === 'exact' && amountMinor !== dueMinor) return { ok: false, detail: `the bill must be paid exactly: ${dueMinor} minor units` };
  if (rule === 'at_least' && amountMinor < dueMinor) return { ok: false, detail: `the bill takes at least ${dueMinor} minor units` };
  if (rule === 'at_most' && amountMinor > dueMinor) return { ok: false, detail: `the bill takes at most ${dueMinor} minor units` };
  return { ok: true, periods: null };
}
