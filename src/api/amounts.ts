import { amountFromMinor, isMoneyFailure, type Amount } from '../money/index.js';
import { ProblemError } from './problems.js';

/** The body's integer amount and currency as an Amount, or a problem with the money module's code. */
export function amountFromBody(amountMinor: number, currency: string): Amount {
  const parsed = amountFromMinor(amountMinor, currency, { allowZero: false });
  if (isMoneyFailure(parsed)) throw new ProblemError(parsed.failure, parsed.detail);
  return parsed;
}
