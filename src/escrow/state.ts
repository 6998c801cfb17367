import { defineStateMachine, fail, type Failure } from '../core/index.js';
import { EscrowError } from './errors.js';

/**
 * The escrow trade's state machine, all of it, in one table (DESIGN.md §8; domain reference §6,
 * after Taobao's WAIT_BUYER_PAY → WAIT_SELLER_SEND_GOODS → WAIT_BUYER_CONFIRM_GOODS → TRADE_FINISHED):
 *
 * - awaiting_payment: created, its payment not yet paid; auto-closes after `unpaidCloseAfterMs`;
 * - held: paid, the money sits in escrow; the seller ships;
 * - shipped: carrier and waybill known; the confirm timer runs (auto-confirm per goods type);
 * - refunding: the buyer asked for a refund; the confirm timer is paused; the seller agrees or refuses;
 * - disputed: the seller refused; the operator arbitrates (refund, release or split);
 * - completed: released to the seller (all of it, or the rest after a partial refund);
 * - refunded: everything went back to the buyer; closed: never paid.
 */
export const escrowStatuses = ['awaiting_payment', 'held', 'shipped', 'refunding', 'disputed', 'completed', 'refunded', 'closed'] as const;
export type EscrowStatus = (typeof escrowStatuses)[number];

export const transitions: Readonly<Record<EscrowStatus, readonly EscrowStatus[]>> = {
  awaiting_payment: ['held', 'closed'],
  held: ['shipped', 'refunding'],
  shipped: ['completed', 'refunding'],
  // Agreed in part (or withdrawn): back to where the request came from; in full: refunded.
  refunding: ['held', 'shipped', 'refunded', 'disputed'],
  disputed: ['completed', 'refunded'],
  completed: [],
  refunded: [],
  closed: [],
};

/** The escrow machine: every status write (service.ts `write`) is checked against it. */
export const escrowMachine = defineStateMachine<EscrowStatus>('escrow trade', 'awaiting_payment', transitions);

export function checkMove(from: EscrowStatus, to: EscrowStatus, action: string): Failure<EscrowError> | undefined {
  return escrowMachine.canMove(from, to) ? undefined : fail(EscrowError.StateInvalid, `cannot ${action} a trade that is ${from}`);
}

/** Statuses in which the trade (not the merchant) owns the payment's money. */
export const holdingStatuses: readonly EscrowStatus[] = ['awaiting_payment', 'held', 'shipped', 'refunding', 'disputed'];

export const goodsTypes = ['physical', 'virtual', 'auto_delivery'] as const;
export type GoodsType = (typeof goodsTypes)[number];

const dayMs = 24 * 60 * 60 * 1000;

export interface EscrowSettings {
  /** Auto-confirm after shipment, per goods type (domain reference §6: express 10 d, virtual 3 d, auto-delivery 1 d). */
  readonly confirmAfterMs: Readonly<Record<GoodsType, number>>;
  /** An unpaid trade closes (and its payment is canceled) after this long. */
  readonly unpaidCloseAfterMs: number;
  /** The seller may extend the confirm period this often, by 1 to `extensionDaysMax` days each time. */
  readonly extensionsMax: number;
  readonly extensionDaysMax: number;
  /** How long a buyer link stays valid. */
  readonly buyerLinkTtlMs: number;
  /**
   * A refund request the seller leaves unanswered this long is agreed to automatically (as Taobao
   * does), so a silent seller cannot keep the buyer's money in escrow forever.
   */
  readonly sellerAnswerAfterMs: number;
  /** A decided refund is paid at once; if that is interrupted, the timer resumes it after this. */
  readonly settleRetryAfterMs: number;
}

export const defaultEscrowSettings: EscrowSettings = {
  confirmAfterMs: { physical: 10 * dayMs, virtual: 3 * dayMs, auto_delivery: 1 * dayMs },
  unpaidCloseAfterMs: 1 * dayMs,
  extensionsMax: 3,
  extensionDaysMax: 30,
  buyerLinkTtlMs: 180 * dayMs,
  sellerAnswerAfterMs: 5 * dayMs,
  settleRetryAfterMs: 60_000,
};

export const refundReasons = ['not_received', 'not_as_described', 'other'] as const;
export type RefundReason = (typeof refundReasons)[number];
export type ArbitrationDecision = 'refund' | 'release' | 'split';
