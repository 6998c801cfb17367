import type { Amount } from '../money/index.js';

export { UnknownReason } from './unknown-reason.js';

/**
 * The connector interface (STYLE.md, after Hyperswitch and Medusa): one folder per connector under
 * src/channels/, the flows in one file and the wire format and status mapping in another. Connectors
 * hold no state and declare what they support. A connector reports approved or declined only when
 * the counterparty said so; a timeout or a broken connection is `unknown`, resolved later by
 * inquiry or reversal, never guessed. Every answer is checked against what was sent (amount and
 * currency) before it is believed.
 */
export type CardBrand = 'visa' | 'mastercard' | 'american-express' | 'jcb' | 'unionpay' | 'discover' | 'diners-club';

export interface Capabilities {
  readonly authorize: boolean;
  readonly capture: boolean;
  readonly void: boolean;
  readonly refund: boolean;
  readonly inquiry: boolean;
}

export interface CardholderData {
  /** The full card number: only ever in memory, on its way to the acquirer. */
  readonly pan: string;
  /** The expiry date, YYMM. */
  readonly expiryYymm: string;
  /** Used for this authorization only; never stored, never logged. */
  readonly securityCode?: string;
  readonly brand: CardBrand;
}

export interface MerchantDescriptor {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  /** ISO 18245 merchant category code, 4 digits. */
  readonly mcc: string;
}

export interface AuthorizeRequest {
  /** Hutong's id for this attempt; a resend carries the same id, so the counterparty can tell it from a new request. */
  readonly attemptId: string;
  readonly card: CardholderData;
  readonly amount: Amount;
  readonly merchant: MerchantDescriptor;
  /** true: authorize and capture in one request (a purchase); false: authorize only, capture later. */
  readonly capture: boolean;
  /**
   * When the request is sent (default: the connector's clock). Pass the time stored for the
   * attempt: a resend is then the same message to the issuer (answered again, not charged again),
   * and a reversal built from stored data names the original exactly.
   */
  readonly sentAt?: Date;
}

/**
 * Where a counterparty can find a message again, in the connector's own terms (an ISO 8583
 * connector keeps its message type, trace number and processing code here). Opaque to callers:
 * they copy it from an outcome into `OriginalReference.trace` and never read it. Connectors whose
 * counterparty finds messages by Hutong's ids leave it out.
 */
export type ChannelTrace = Readonly<Record<string, string>>;

/** What a follow-up message (capture, void, refund, inquiry) needs to find the original. */
export interface OriginalReference {
  readonly attemptId: string;
  /** The counterparty's reference for the original, from its approval ('' when it never answered). */
  readonly reference: string;
  readonly authorizationCode?: string;
  readonly amount: Amount;
  readonly card: Omit<CardholderData, 'securityCode'>;
  readonly merchant: MerchantDescriptor;
  /** When the original was sent (from its outcome or its stored attempt). */
  readonly sentAt: Date;
  /** The original's trace, from its outcome (see ChannelTrace). */
  readonly trace?: ChannelTrace;
  /**
   * What the original was, for when its trace is not known (a crash between sending and
   * recording): a connector that names messages by `attemptId` rebuilds the trace from it.
   */
  readonly kind?: 'authorization' | 'purchase' | 'refund';
}

export interface FollowUpRequest {
  /** Hutong's id for this operation (a capture, refund, void or inquiry attempt). */
  readonly operationId: string;
  readonly original: OriginalReference;
  /** For capture and refund: the amount of this operation (≤ the original). */
  readonly amount: Amount;
  /** When it is sent, as for `AuthorizeRequest.sentAt`; resend a refund with the same one. */
  readonly sentAt?: Date;
}

export type ChannelOutcome =
  | {
      readonly status: 'approved';
      readonly reference: string;
      readonly authorizationCode: string;
      readonly responseCode: string;
      readonly sentAt: Date;
      readonly trace?: ChannelTrace;
    }
  | {
      readonly status: 'declined';
      readonly responseCode: string;
      readonly reason: string;
      /**
       * True when the counterparty refused because the issuer (or the switch in front of it) cannot
       * be reached: nothing was taken, and another route may carry the payment. False for a decision
       * of the issuer (funds, fraud, an expired card), which no other route changes.
       */
      readonly unavailable: boolean;
      readonly sentAt: Date;
      readonly trace?: ChannelTrace;
    }
  /** No answer, a broken connection, or an answer that failed the integrity check. */
  | { readonly status: 'unknown'; readonly reason: string; readonly sentAt: Date; readonly trace?: ChannelTrace };

export interface CardConnector {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Brands and currencies this connector accepts. */
  readonly brands: readonly CardBrand[];
  readonly currencies: readonly string[];
  /**
   * Reserves the trace that operation `id` sent at `sentAt` would carry, for a new operation before
   * it is recorded. False: another operation of this sender already carries that trace at that
   * time, and the counterparty would take the second message for a resend of the first — pick
   * another id. Asking again for the same id and time is true (a resend is the same message).
   * Optional: a connector whose messages cannot collide (named by Hutong's ids) leaves it out.
   */
  reserveTrace?(id: string, sentAt: Date): boolean;
  authorize(request: AuthorizeRequest): Promise<ChannelOutcome>;
  /** Completes (captures) an authorization for up to its amount. */
  capture(request: FollowUpRequest): Promise<ChannelOutcome>;
  /** Reverses an authorization or a purchase, also one whose outcome is unknown (after a timeout). */
  reverse(request: FollowUpRequest): Promise<ChannelOutcome>;
  /** Returns money to the card. */
  refund(request: FollowUpRequest): Promise<ChannelOutcome>;
  close(): Promise<void>;
}
