import { createHash } from 'node:crypto';

/**
 * Systems trace audit numbers (DE 11): 000001–999999; 000000 is never used, as networks reserve
 * it. A STAN only has to be unique among one sender's messages with the same transmission time
 * (DE 7); issuers find a transaction by PAN, acquiring institution, STAN and DE 7 together.
 */
export const stanMax = 999_999;

/**
 * The STAN of a financial message, derived from Hutong's id for the operation (attemptId or
 * operationId). Derived rather than counted so that nothing has to be stored to name the message
 * again: after a crash, a reversal is built from the attempt id and its stored send time alone, and
 * a resend of the same attempt at the same time is the same message to the issuer. Two different
 * operations share a STAN with probability 1/999,999, and only collide at the issuer when they
 * are also for the same card in the same second.
 */
export function stanOf(id: string): string {
  const value = createHash('sha256').update(id).digest().readUIntBE(0, 6);
  return String((value % stanMax) + 1).padStart(6, '0');
}

/** A counter for messages that belong to no operation (0800 network management); wraps to 000001. */
export function createStanCounter(start = 1): () => string {
  let last = ((start - 2 + stanMax) % stanMax) + 1;
  return () => {
    last = (last % stanMax) + 1;
    return String(last).padStart(6, '0');
  };
}

/**
 * The STANs this sender has used, per second of DE 7, for the last few seconds. Derived STANs of
 * two operations collide with probability 1/999,999 per pair; at a few hundred payments a second on
 * one card that is about one a minute, and the issuer answers the second payment as a repeat of the
 * first without posting it. New operations reserve their trace here first and take another id on a
 * collision, so one Hutong process never sends two operations with one (STAN, DE 7). (Several
 * processes on one acquirer link would need per-process STAN ranges: docs/architecture.md.)
 */
export function createTraceRegistry(keepSeconds = 5): { reserve(stan: string, sentAt: Date, owner: string): boolean } {
  const bySecond = new Map<number, Map<string, string>>();
  return {
    reserve(stan, sentAt, owner) {
      const second = Math.floor(sentAt.getTime() / 1000);
      for (const kept of bySecond.keys()) if (kept < second - keepSeconds) bySecond.delete(kept);
      let used = bySecond.get(second);
      if (used === undefined) bySecond.set(second, (used = new Map()));
      const holder = used.get(stan);
      if (holder !== undefined) return holder === owner;
      used.set(stan, owner);
      return true;
    },
  };
}
