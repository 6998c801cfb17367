import type { Failure } from '../core/index.js';
import type {
  AuthorizeRequest,
  CardBrand,
  CardConnector,
  CardholderData,
  ChannelOutcome,
  ThreeDSecureConnector,
  WalletConnector,
  WalletNotification,
} from '../channels/index.js';
import type { Amount } from '../money/index.js';
import type { Database } from '../store/index.js';
import type { Kysely, Transaction } from 'kysely';
import type { AttemptKind, AttemptStatus, PaymentStatus, RefundStatus } from './state.js';

export type CaptureMethod = 'automatic' | 'manual';
/** `wallet` is the Hutong wallet; `external_wallet` an outside wallet (Alipay-, WeChat-Pay-like). */
export type MethodType = 'card' | 'wallet' | 'external_wallet' | 'payment_code';

export interface Payment {
  readonly id: string;
  readonly merchantId: string;
  readonly merchantOrderId: string;
  readonly amount: Amount;
  readonly amountCapturedMinor: bigint;
  readonly amountRefundedMinor: bigint;
  readonly feeMinor: bigint;
  readonly status: PaymentStatus;
  readonly captureMethod: CaptureMethod;
  readonly description: string | null;
  readonly metadata: Record<string, string>;
  readonly customerId: string | null;
  readonly returnUrl: string | null;
  readonly method: {
    readonly type: MethodType;
    readonly cardId: string | null;
    readonly brand: string | null;
    readonly last4: string | null;
    /** YYMM, as the card carries it. */
    readonly expiryYymm: string | null;
  } | null;
  readonly channel: string | null;
  /** The pending ledger entry of an authorization awaiting capture. */
  readonly holdEntryId: string | null;
  /** What the shopper must do next (requires_action): open this URL, or scan this QR code. */
  readonly nextAction: { readonly type: 'redirect_to_url'; readonly url: string; readonly qrCode: string | null } | null;
  readonly threeDSTransactionId: string | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly declineCode?: string } | null;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * Cross-currency payments (src/fx, docs/fx.md): the merchant's currency, what it is credited
   * there (gross, set at capture), the locked rate and the quote that set it. Null otherwise.
   * For such a payment `feeMinor` is in the settlement currency.
   */
  readonly settlement?: {
    readonly currency: string;
    readonly amountMinor: bigint | null;
    readonly fxRate: string | null;
    readonly quoteId: string | null;
  } | null;
}

export interface Attempt {
  readonly id: string;
  readonly kind: AttemptKind;
  readonly channel: string;
  readonly status: AttemptStatus;
  readonly amount: Amount;
  readonly responseCode: string | null;
  readonly reason: string | null;
  readonly reference: string | null;
  readonly authorizationCode: string | null;
  readonly originalAttemptId: string | null;
  readonly sentAt: string;
}

export interface Transition {
  readonly from: PaymentStatus | null;
  readonly to: PaymentStatus;
  readonly reason: string;
  readonly at: string;
}

export interface Refund {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentId: string;
  readonly amount: Amount;
  readonly feeReturnedMinor: bigint;
  readonly status: RefundStatus;
  readonly reason: string | null;
  readonly failureCode: string | null;
  /** The channel's reference of the refund (the acquirer's RRN, DE 37), once it succeeded. */
  readonly channelReference?: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CardInput {
  readonly number: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly cvc?: string;
  readonly holder_name?: string;
}

export type PaymentMethodInput =
  | { readonly type: 'card'; readonly card: CardInput }
  | { readonly type: 'card'; readonly cardId: string; readonly cvc?: string }
  | { readonly type: 'wallet'; readonly customerId: string }
  | { readonly type: 'external_wallet'; readonly wallet: string }
  | { readonly type: 'payment_code'; readonly code: string };

/** What payments need from the card vault (src/cards). */
export interface CardVaultPort {
  tokenize(
    merchantId: string,
    input: CardInput,
  ): Promise<{ card: { id: string; brand: CardBrand; last4: string }; securityCode: string | undefined } | Failure>;
  cardholderData(merchantId: string, cardId: string, securityCode?: string): Promise<CardholderData | Failure>;
}

/** What payments need from the channels (src/channels): routing, and the connectors by name. */
export interface ChannelsPort {
  route(input: { brand: CardBrand; currency: string; merchantId: string }): readonly CardConnector[];
  connector(name: string): CardConnector | undefined;
  /** Whether any channel carries this card network, in any currency (absent: assume one does). */
  acceptsBrand?(brand: CardBrand): boolean;
}

/** What payments need from 3-D Secure: the channels' contract (src/channels/contracts.ts). */
export type ThreeDSecurePort = ThreeDSecureConnector;

/** An outside wallet: the channels' contract (src/channels/contracts.ts). */
export type { WalletNotification };
export type WalletConnectorPort = WalletConnector;

export interface WalletsPort {
  wallet(name: string): WalletConnectorPort | undefined;
}

/** What payments need from the events outbox (src/events): record inside the state change's unit. */
export interface EventsPort {
  record(
    trx: Transaction<Database>,
    event: { merchantId: string; type: string; objectType: string; objectId: string; data: unknown },
  ): Promise<void>;
}

/**
 * What payments need from escrow (src/escrow), bound late because escrow is built on payments: where
 * a payment's money is, and a call inside the unit that captured into escrow or refunded out of it,
 * so the trade moves in the same transaction as the money (a crash cannot split them).
 */
export interface EscrowPort {
  fundsOf(db: Kysely<Database> | Transaction<Database>, paymentId: string): Promise<'merchant' | 'escrow'>;
  captured(trx: Transaction<Database>, payment: Payment): Promise<void>;
  refunded(trx: Transaction<Database>, payment: Payment, refund: Refund): Promise<void>;
  /**
   * A refund of a trade that escrow released converted (into the merchant's settlement currency S):
   * the refunded share in S at the release's rates, cumulative so that partial refunds add up to
   * exactly what the release credited; none when the release did not convert. `refundedBeforeMinor`
   * is what succeeded refunds of the payment returned before this one (in the trade's currency).
   */
  releasedConversion(
    trx: Transaction<Database>,
    payment: Payment,
    refund: { readonly refundMinor: bigint; readonly refundedBeforeMinor: bigint },
  ): Promise<{ readonly currency: string; readonly midMinor: bigint; readonly merchantMinor: bigint } | undefined>;
  /** The writer keys such a refund locks beyond the payment's own (the S accounts). */
  refundKeys(payment: Payment): Promise<readonly string[]>;
}

/**
 * What payments need from customs (src/customs, docs/customs.md "Refunds"), bound late in src/app.ts:
 * before a refund's unit, whether customs allows it (and the declaration change it needs, signed);
 * inside the unit that reserves the refund, that change claimed, or a failure that undoes the unit.
 */
export interface CustomsRefundPort {
  prepare(payment: Payment, refundMinor: bigint): Promise<{ readonly plan: unknown; readonly keys: readonly string[] } | Failure<string>>;
  reserved(trx: Transaction<Database>, plan: unknown, refundId: string): Promise<Failure<string> | undefined>;
}

export type { AuthorizeRequest, ChannelOutcome };

export function toPayment(row: Database['payments']): Payment {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    merchantOrderId: row.merchant_order_id,
    amount: { minor: row.amount, currency: row.currency },
    amountCapturedMinor: row.amount_captured,
    amountRefundedMinor: row.amount_refunded,
    feeMinor: row.fee,
    status: row.status as PaymentStatus,
    captureMethod: row.capture_method as CaptureMethod,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    customerId: row.customer_id,
    returnUrl: row.return_url,
    method:
      row.method_type === null
        ? null
        : {
            type: row.method_type as MethodType,
            cardId: row.card_id,
            brand: row.card_brand,
            last4: row.card_last4,
            expiryYymm: row.card_expiry_yymm,
          },
    channel: row.channel,
    holdEntryId: row.hold_entry_id,
    nextAction:
      row.status === 'requires_action' && row.next_action_url !== null
        ? { type: 'redirect_to_url', url: row.next_action_url, qrCode: row.next_action_qr }
        : null,
    threeDSTransactionId: row.three_ds_transaction_id,
    lastError:
      row.last_error_code === null
        ? null
        : {
            code: row.last_error_code,
            message: row.last_error_message ?? '',
            ...(row.last_decline_code == null || row.last_error_code !== 'card_declined' ? {} : { declineCode: row.last_decline_code }),
          },
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    settlement:
      row.settlement_currency == null
        ? null
        : {
            currency: row.settlement_currency,
            amountMinor: row.settlement_amount ?? null,
            fxRate: row.fx_rate ?? null,
            quoteId: row.fx_quote_id ?? null,
          },
  };
}

export function toAttempt(row: Database['payment_attempts']): Attempt {
  return {
    id: row.id,
    kind: row.kind as AttemptKind,
    channel: row.channel,
    status: row.status as AttemptStatus,
    amount: { minor: row.amount, currency: row.currency },
    responseCode: row.response_code,
    reason: row.reason,
    reference: row.reference,
    authorizationCode: row.authorization_code,
    originalAttemptId: row.original_attempt_id,
    sentAt: row.sent_at,
  };
}

export function toRefund(row: Database['refunds']): Refund {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    amount: { minor: row.amount, currency: row.currency },
    feeReturnedMinor: row.fee_returned,
    status: row.status as RefundStatus,
    reason: row.reason,
    failureCode: row.failure_code,
    channelReference: row.channel_reference ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What the interconnection switch answered about a payment code taken at a till (src/interop, bound in app.ts). */
export type PaymentCodeAnswer =
  | { readonly status: 'paid'; readonly switchReference: string; readonly institution: string }
  | { readonly status: 'user_paying'; readonly switchReference: string; readonly institution: string }
  | { readonly status: 'declined'; readonly reason: string; readonly institution: string }
  | { readonly status: 'unknown'; readonly reason: string };

/**
 * A merchant's till scans a shopper's payment code (docs/interop.md): the switch routes it to the
 * shopper's institution. Every call is keyed by the payment attempt's id (the order reference).
 */
export interface PaymentCodePort {
  /** The institution whose codes look like this one (the prefix table), if any. */
  institutionOf(code: string): string | undefined;
  charge(input: {
    orderReference: string;
    merchantId: string;
    paymentId: string;
    paymentCode: string;
    institution: string;
    currency: string;
    amountMinor: bigint;
  }): Promise<PaymentCodeAnswer>;
  query(orderReference: string): Promise<PaymentCodeAnswer | { readonly status: 'not_found' }>;
  reverse(orderReference: string): Promise<'reversed' | 'unknown'>;
  refund(input: {
    orderReference: string;
    refundId: string;
    currency: string;
    amountMinor: bigint;
  }): Promise<{ readonly status: 'succeeded' | 'failed' | 'unknown'; readonly reason?: string }>;
  /** How long the shopper may take to confirm in the wallet app before the charge is reversed. */
  readonly confirmTimeoutMs: number;
}
