import { defineStateMachine, fail, type Failure } from '../core/index.js';
import { PaymentError } from './errors.js';

/**
 * The payment state machine, all of it, in one table (DESIGN.md §8). A declined attempt sends the
 * payment back to requires_payment_method so the shopper can try another method; an unanswered
 * authorization is reversed and does the same. Refunds do not change the payment's status: they
 * are objects of their own, and the payment's amount_refunded says how much went back.
 */
export const paymentStatuses = [
  'requires_payment_method',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'failed',
  'canceled',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export const transitions: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  // To itself: repriced before any attempt (the shopper chose to pay in its own currency, src/fx).
  requires_payment_method: ['processing', 'canceled', 'failed', 'requires_payment_method'],
  requires_action: ['processing', 'requires_payment_method', 'canceled'],
  processing: ['requires_action', 'requires_capture', 'succeeded', 'requires_payment_method', 'failed'],
  requires_capture: ['succeeded', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
};

/** The payment machine: every status change (store.ts `moveStatus`, `recordTransition`) is checked against it. */
export const paymentMachine = defineStateMachine<PaymentStatus>('payment', 'requires_payment_method', transitions);

export function canMove(from: PaymentStatus, to: PaymentStatus): boolean {
  return paymentMachine.canMove(from, to);
}

export function checkMove(from: PaymentStatus, to: PaymentStatus, action: string): Failure<PaymentError> | undefined {
  return canMove(from, to) ? undefined : fail(PaymentError.StateInvalid, `cannot ${action} a payment that is ${from}`);
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** A refund is sent once and answered once; a refund left pending is asked again (the same message). */
export const refundMachine = defineStateMachine<RefundStatus>('refund', 'pending', {
  pending: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
});
export type AttemptKind = 'authorize' | 'purchase' | 'capture' | 'reverse' | 'refund';
/** unknown: sent, no definite answer yet — resolved by reversal, never guessed. not_sent: never left Hutong, nothing to reverse. */
/** `reversing`: the recovery sweep has claimed an unanswered authorization to reverse it; a late approval no longer counts. */
export type AttemptStatus = 'pending' | 'approved' | 'declined' | 'unknown' | 'reversing' | 'reversed' | 'not_sent';
