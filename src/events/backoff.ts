import assert from 'node:assert/strict';

/**
 * Retry schedule for failed webhook attempts: 1 s, 2 s, 4 s… (doubling), each stretched by up to
 * a fifth at random so that endpoints that failed together do not all retry in the same second,
 * and never longer than `backoffMaxMs`. With the default 8 attempts a delivery gives up about two
 * and a half minutes after its first try; more attempts reach the hourly bound.
 */
export const webhookAttemptsMaxDefault = 8;
/** More attempts than this would keep one delivery alive for more than a day at the hourly bound. */
export const webhookAttemptsMaxBound = 30;
export const backoffBaseMs = 1_000;
export const backoffMaxMs = 60 * 60 * 1_000;
export const backoffJitterRatio = 0.2;

/** The wait after failed attempt number `attempt` (1-based); `random` returns [0, 1). */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  assert.ok(Number.isInteger(attempt) && attempt >= 1 && attempt <= webhookAttemptsMaxBound);
  const exponentialMs = Math.min(backoffBaseMs * 2 ** (attempt - 1), backoffMaxMs);
  return Math.min(Math.round(exponentialMs * (1 + backoffJitterRatio * random())), backoffMaxMs);
}

/** The longest `retryDelayMs(attempt)` can be: what a test must wait to be sure a retry is due. */
export function retryDelayBoundMs(attempt: number): number {
  return retryDelayMs(attempt, () => 1);
}
