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
}

export interface FollowUpRequest {
  /** Hutong's id for this operation (a capture, refund, void or inquiry attempt). */
  readonly operationId: string;
  readonly original: OriginalReference;
  /** For capture and refund: the amount of this operation (≤ the original). */
  readonly amount: Amount;
}

export type ChannelOutcome =
  | {
      readonly status: 'approved';
      readonly reference: string;
      readonly authorizationCode: string;
      readonly responseCode: string;
      readonly sentAt: Date;
    }
  | { readonly status: 'declined'; readonly responseCode: string; readonly reason: string; readonly sentAt: Date }
  /** No answer, a broken connection, or an answer that failed the integrity check. */
  | { readonly status: 'unknown'; readonly reason: string; readonly sentAt: Date };

export interface CardConnector {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Brands and currencies this connector accepts. */
  readonly brands: readonly CardBrand[];
  readonly currencies: readonly string[];
  authorize(request: AuthorizeRequest): Promise<ChannelOutcome>;
  /** Completes an authorization (ISO 8583 0220 advice) for up to its amount. */
  capture(request: FollowUpRequest): Promise<ChannelOutcome>;
  /** Reverses an authorization or a purchase (0400 with DE 90), also after a timeout. */
  reverse(request: FollowUpRequest): Promise<ChannelOutcome>;
  /** Returns money to the card (0200, processing code 20). */
  refund(request: FollowUpRequest): Promise<ChannelOutcome>;
  close(): Promise<void>;
}
