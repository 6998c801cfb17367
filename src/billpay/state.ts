import type { BillPaymentStatus } from './model.js';

/**
 * The bill payment state machine: every status change goes through `transition`.
 *  charged — a card-funded payment: the card payment succeeded and its money is in the biller payable;
 *  charge_failed — the card was declined, or never charged: nothing moved, the bill is free again;
 *  accepted — the biller booked it (its receipt);
 *  rejected — the biller refused it: the money goes back;
 *  no_answer — a timeout, a broken connection or a 5xx: Hutong will query, then post again;
 *  not_booked — after the attempts allowed, the biller still says it never booked it: refunded.
 */
export type BillPaymentEvent = 'charged' | 'charge_failed' | 'accepted' | 'rejected' | 'no_answer' | 'not_booked';

export const billPaymentTransitions: Readonly<Record<BillPaymentStatus, Partial<Record<BillPaymentEvent, BillPaymentStatus>>>> = {
  charging: { charged: 'posting', charge_failed: 'failed' },
  posting: { accepted: 'accepted', rejected: 'refunded', no_answer: 'awaiting_biller', not_booked: 'refunded' },
  awaiting_biller: { accepted: 'accepted', rejected: 'refunded', no_answer: 'awaiting_biller', not_booked: 'refunded' },
  accepted: {},
  refunded: {},
  failed: {},
};

export const terminalStatuses: readonly BillPaymentStatus[] = ['accepted', 'refunded', 'failed'];

export function transition(from: BillPaymentStatus, event: BillPaymentEvent): BillPaymentStatus | undefined {
  return billPaymentTransitions[from][event];
}
