import { fail, type Failure } from '../core/index.js';
import { CustomsError } from './errors.js';

/**
 * A declaration's state machine, all of it (domain.md §7; WeChat's UNDECLARED → SUBMITTED →
 * SUCCESS | FAIL | EXCEPT, customs' returnStatus codes):
 *
 * - pending: built, signed and queued; not yet answered by customs (WeChat's UNDECLARED);
 * - submitted: customs took it (returnStatus 2 declaring / 3 sent);
 * - accepted: stored by customs (120), the final success of a payment slip;
 * - returned: returned by customs (100), with its reason;
 * - failed: a processing error (negative returnStatus such as −621049 bad signature or −621041
 *   duplicate, 4 send failed) or customs unreachable for too long.
 *
 * Receipts may overtake each other (a polled 120 before the pushed 2), so a pending declaration
 * may go straight to any answer. A modification (appType 2) or a re-push starts a new version,
 * pending again; it is allowed once customs has answered (WeChat: from SUCCESS or EXCEPT).
 *
 * A refund of the whole payment withdraws a stored slip (appType 3, a new version):
 * - withdrawing: the withdrawal is queued or sent, customs has not answered it yet;
 * - withdrawn: customs stored the withdrawal (120); re-declaring it is a modify (appType 1 again);
 * - customs returning the withdrawal (100, e.g. the goods were released) or an error: failed, with
 *   customs' reason, for a person to look at.
 */
export const declarationStatuses = ['pending', 'submitted', 'accepted', 'returned', 'failed', 'withdrawing', 'withdrawn'] as const;
export type DeclarationStatus = (typeof declarationStatuses)[number];

export const declarationEvents = ['declaring', 'stored', 'returned', 'error', 'modify', 'withdraw'] as const;
export type DeclarationEvent = (typeof declarationEvents)[number];

const table: Readonly<Record<DeclarationStatus, Partial<Record<DeclarationEvent, DeclarationStatus>>>> = {
  pending: { declaring: 'submitted', stored: 'accepted', returned: 'returned', error: 'failed' },
  submitted: { stored: 'accepted', returned: 'returned', error: 'failed' },
  accepted: { modify: 'pending', withdraw: 'withdrawing' },
  returned: { modify: 'pending' },
  failed: { modify: 'pending' },
  withdrawing: { declaring: 'withdrawing', stored: 'withdrawn', returned: 'failed', error: 'failed' },
  withdrawn: { modify: 'pending' },
};

export function transition(from: DeclarationStatus, event: DeclarationEvent): DeclarationStatus | Failure<CustomsError> {
  const to = table[from][event];
  return to === undefined ? fail(CustomsError.StateInvalid, `a declaration that is ${from} cannot take "${event}"`) : to;
}

/** Which event a customs returnStatus is (domain.md §7). */
export function eventOfReturnStatus(returnStatus: string): DeclarationEvent | undefined {
  const code = Number(returnStatus);
  if (!Number.isInteger(code)) return undefined;
  if (code < 0 || code === 4) return 'error';
  if (code === 1 || code === 2 || code === 3) return 'declaring';
  if (code === 120) return 'stored';
  if (code === 100) return 'returned';
  return undefined;
}

/** Statuses whose amount counts against the payment and the payer's allowance. */
export const countingStatuses: readonly DeclarationStatus[] = ['pending', 'submitted', 'accepted', 'withdrawing'];
/** Statuses in which customs has not concluded the current version: a refund waits for the answer. */
export const inFlightStatuses: readonly DeclarationStatus[] = ['pending', 'submitted', 'withdrawing'];
/** Statuses whose version the push worker sends. */
export const pushedStatuses: readonly DeclarationStatus[] = ['pending', 'withdrawing'];
