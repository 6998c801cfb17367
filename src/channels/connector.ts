import type { Amount } from '../money/index.js';

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
  /** YYMM, as ISO 8583 DE 14 carries it. */
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
  /** Hutong's id for this attempt; the connector derives its trace numbers from it. */
  readonly attemptId: string;
  readonly card: CardholderData;
  readonly amount: Amount;
  readonly merchant: MerchantDescriptor;
  /** true: authorize and capture in one message (ISO 8583 0200); false: authorize only (0100). */
  readonly capture: boolean;
  /**
   * The transmission time to send (ISO 8583 DE 7; default: the connector's clock). Pass the time
   * stored for the attempt: a resend is then the same message to the issuer (answered again, not
   * charged again), and a reversal built from stored data names the original exactly.
   */
  readonly sentAt?: Date;
}

/**
 * Where a network message can be found again. ISO 8583 connectors fill it in every outcome so that
 * a later completion or reversal can name the original in DE 90 (with `sentAt` as its DE 7).
 * Callers should copy it into `OriginalReference.trace`; without it the ISO 8583 connector derives
 * the STAN from `attemptId` and assumes an authorization (0100, processing code 000000), which is
 * exact for authorizations only. Connectors without such numbers leave it out.
 */
export interface MessageTrace {
  /** The original's message type indicator (0100 authorization, 0200 purchase or refund). */
  readonly mti: string;
  /** Its systems trace audit number, DE 11 (6 digits). */
  readonly stan: string;
  /** Its processing code, DE 3 (000000 purchase, 200000 refund). */
  readonly processingCode: string;
}

/** What a follow-up message (capture, void, refund, inquiry) needs to find the original. */
export interface OriginalReference {
  readonly attemptId: string;
  /** The acquirer's retrieval reference number (ISO 8583 DE 37). */
  readonly reference: string;
  readonly authorizationCode?: string;
  readonly amount: Amount;
  readonly card: Omit<CardholderData, 'securityCode'>;
  readonly merchant: MerchantDescriptor;
  /** When the original was sent, for the original-data element (DE 90). */
  readonly sentAt: Date;
  /** The original's network trace, from its outcome (see MessageTrace). */
  readonly trace?: MessageTrace;
  /**
   * What the original was, when its trace is not known (a crash between sending and recording):
   * connectors that derive their trace numbers from `attemptId` rebuild the trace from it.
   */
  readonly kind?: 'authorization' | 'purchase' | 'refund';
}

export interface FollowUpRequest {
  /** Hutong's id for this operation (a capture, refund, void or inquiry attempt). */
  readonly operationId: string;
  readonly original: OriginalReference;
  /** For capture and refund: the amount of this operation (≤ the original). */
  readonly amount: Amount;
  /** The transmission time to send (DE 7), as for `AuthorizeRequest.sentAt`; resend a refund with the same one. */
  readonly sentAt?: Date;
}

/**
 * The `reason` of an `unknown` outcome, shared by every connector so that routing can tell
 * "never left Hutong" (NotSent, InvalidRequest: safe to try another connector) from "may have
 * reached the issuer" (the rest: reverse before trying anywhere else).
 */
export enum UnknownReason {
  /** No byte of the request was written (no connection, client closed, too many in flight). */
  NotSent = 'not_sent',
  /** The request could not be encoded for this channel (brand, currency, field format); not sent. */
  InvalidRequest = 'invalid_request',
  Timeout = 'timeout',
  ConnectionLost = 'connection_lost',
  /** The answer's amount, currency or card differ from what was sent. */
  Integrity = 'integrity',
  MalformedResponse = 'malformed_response',
}

export type ChannelOutcome =
  | {
      readonly status: 'approved';
      readonly reference: string;
      readonly authorizationCode: string;
      readonly responseCode: string;
      readonly sentAt: Date;
      readonly trace?: MessageTrace;
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
      readonly trace?: MessageTrace;
    }
  /** No answer, a broken connection, or an answer that failed the integrity check. */
  | { readonly status: 'unknown'; readonly reason: string; readonly sentAt: Date; readonly trace?: MessageTrace };

export interface CardConnector {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Brands and currencies this connector accepts. */
  readonly brands: readonly CardBrand[];
  readonly currencies: readonly string[];
  /**
   * Reserves the message trace that operation `id` sent at `sentAt` would carry (ISO 8583: the STAN
   * derived from the id, in the second of DE 7), for a new operation before it is recorded. False:
   * another operation of this sender already carries that trace in that second, and an issuer would
   * take the second message for a retransmission of the first — pick another id. Asking again for
   * the same id and second is true (a resend is the same message). Optional: a connector whose
   * messages cannot collide leaves it out.
   */
  reserveTrace?(id: string, sentAt: Date): boolean;
  authorize(request: AuthorizeRequest): Promise<ChannelOutcome>;
  /** Completes an authorization (ISO 8583 0220 advice) for up to its amount. */
  capture(request: FollowUpRequest): Promise<ChannelOutcome>;
  /** Reverses an authorization or a purchase (0400 with DE 90), also after a timeout. */
  reverse(request: FollowUpRequest): Promise<ChannelOutcome>;
  /** Returns money to the card (0200, processing code 20). */
  refund(request: FollowUpRequest): Promise<ChannelOutcome>;
  close(): Promise<void>;
}
