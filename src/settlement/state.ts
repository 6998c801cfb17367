import { defineStateMachine } from '../core/index.js';

/**
 * The payout's state machine, in one table (DESIGN.md §8): created pending with its statement,
 * put in exactly one pain.001 file (sent), then answered by the bank's pain.002: paid (accepted)
 * or failed (rejected; the money returns to the merchant's pending balance).
 */
export const payoutStatuses = ['pending', 'sent', 'paid', 'failed'] as const;
export type PayoutStatus = (typeof payoutStatuses)[number];

export const payoutMachine = defineStateMachine<PayoutStatus>('payout', 'pending', {
  pending: ['sent'],
  sent: ['paid', 'failed'],
  paid: [],
  failed: [],
});
