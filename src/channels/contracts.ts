import assert from 'node:assert/strict';
import type { Failure } from '../core/failure.js';
import { findCurrency, type Amount } from '../money/index.js';
import type { CardBrand, CardConnector } from './connector.js';

/**
 * Checks made when a connector is registered, so that a connector that does not do what it
 * declares fails at start-up rather than on a shopper's payment.
 */
const cardBrands: readonly CardBrand[] = ['visa', 'mastercard', 'american-express', 'jcb', 'unionpay', 'discover', 'diners-club'];

/** What every card acquirer must support: Hutong's failover authorizes, and reverses what went unanswered. */
export const cardCapabilitiesRequired = ['authorize', 'void'] as const;

export function checkCardConnector<C extends CardConnector>(connector: C): C {
  const { name, capabilities } = connector;
  assert.ok(/^[a-z][a-z0-9_-]{0,39}$/.test(name), `card connector name ${JSON.stringify(name)} must be 1–40 of a-z, 0-9, _ and -`);
  for (const capability of cardCapabilitiesRequired)
    assert.ok(capabilities[capability], `card connector ${name} must support ${capability} (failover reverses unanswered authorizations)`);
  assert.ok(connector.brands.length > 0, `card connector ${name} accepts no brand`);
  for (const brand of connector.brands) assert.ok(cardBrands.includes(brand), `card connector ${name}: unknown brand ${brand}`);
  assert.ok(connector.currencies.length > 0, `card connector ${name} accepts no currency`);
  for (const code of connector.currencies) assert.ok(findCurrency(code) !== undefined, `card connector ${name}: ${code} is not ISO 4217`);
  return connector;
}

/**
 * The contracts of the other kinds of counterparty. Each is protocol-neutral (no field names or
 * message numbers of any wire format), declares what it supports, and is checked when it is
 * registered. Implementations: wallets/ (three signing conventions), three-d-secure/ (EMV 3-D
 * Secure 2), bank/ (ISO 20022).
 */
export type ConnectorKind = 'card_acquirer' | 'wallet' | 'three_d_secure' | 'bank';

/** A payment notification a wallet signed, verified and read. */
export interface WalletNotification {
  readonly orderId: string;
  readonly walletOrderId: string;
  readonly status: 'paid';
  readonly amount: Amount;
  readonly paidAt: string;
}

export type WalletCreateOrderOutcome =
  | { readonly status: 'created'; readonly walletOrderId: string; readonly qrCode: string; readonly redirectUrl: string }
  | { readonly status: 'unavailable'; readonly reason: string };

export type WalletQueryOutcome =
  | { readonly status: 'paid' | 'pending' | 'closed'; readonly walletOrderId: string; readonly amount: Amount; readonly paidAt?: string }
  | { readonly status: 'unavailable'; readonly reason: string };

/** `unknown` is resolved by asking again with the same refund id, never guessed. */
export type WalletRefundOutcome =
  | { readonly status: 'succeeded'; readonly walletRefundId?: string }
  | { readonly status: 'failed'; readonly reason: string }
  | { readonly status: 'unknown'; readonly reason: string };

export interface WalletCapabilities {
  /** Orders paid by QR code or redirect. */
  readonly createOrder: boolean;
  /** Asking for an order's status (a late notification is resolved so). */
  readonly query: boolean;
  readonly refund: boolean;
  /** Signed payment notifications. */
  readonly notifications: boolean;
}

/** An outside wallet: orders the shopper pays in the wallet, signed notifications, refunds. */
export interface WalletConnector {
  readonly name: string;
  readonly capabilities: WalletCapabilities;
  readonly currencies: readonly string[];
  createOrder(input: {
    orderId: string;
    amount: Amount;
    subject: string;
    notifyUrl: string;
    returnUrl?: string;
    /** The paying merchant (EMV QR tags 59 name, 60 city, 58 country); the wallet's own defaults when absent. */
    merchant?: { name: string; city: string | null; country: string };
  }): Promise<WalletCreateOrderOutcome>;
  /** Verifies the raw notification (signature on the raw bytes, constant-time) and reads it. */
  verifyNotification(rawBody: string, headers: Record<string, string | undefined>): WalletNotification | Failure;
  /** What Hutong must answer to a notification it accepted, so the wallet stops retrying. */
  readonly ack: { readonly contentType: string; readonly body: string };
  query(orderId: string): Promise<WalletQueryOutcome>;
  refund(input: { orderId: string; refundId: string; amount: Amount }): Promise<WalletRefundOutcome>;
}

export interface ThreeDSecureCapabilities {
  /** Authentication without the cardholder's interaction, on the issuer's risk assessment. */
  readonly frictionless: boolean;
  /** A challenge page the cardholder's browser is sent to, with a signed result back. */
  readonly challenge: boolean;
}

export type ThreeDSecureOutcome =
  | { readonly status: 'frictionless'; readonly acsTransactionId: string; readonly eci: string; readonly authenticationValue: string }
  | { readonly status: 'challenge'; readonly acsTransactionId: string; readonly challengeUrl: string }
  | { readonly status: 'unavailable'; readonly reason: string };

export interface ThreeDSecureResult {
  readonly acsTransactionId: string;
  readonly requestorTransactionId: string;
  /** True only when the issuer authenticated the cardholder. */
  readonly authenticated: boolean;
  readonly eci: string;
  readonly authenticationValue?: string;
}

/** Cardholder authentication before an authorization (a directory server and the issuers' pages). */
export interface ThreeDSecureConnector {
  readonly capabilities: ThreeDSecureCapabilities;
  authenticate(input: {
    requestorTransactionId: string;
    pan: string;
    amount: Amount;
    merchantName: string;
    notificationUrl: string;
  }): Promise<ThreeDSecureOutcome>;
  verifyResult(token: string): ThreeDSecureResult | Failure;
}

export interface BankCapabilities {
  /** Credit transfers to merchants' accounts, sent as a file and answered with a status report. */
  readonly payouts: boolean;
  /** Account statements Hutong reconciles against and learns incoming funds from. */
  readonly statements: boolean;
}

/**
 * The settlement bank. Files are opaque text to this contract; `formats` names the standard
 * each is written in, so a module that builds or reads them checks it speaks that standard.
 */
export interface BankConnector {
  readonly capabilities: BankCapabilities;
  readonly formats: { readonly payouts: string; readonly statements: string };
  /** Sends a payout file; the answer is the bank's status report (a file of `formats.payouts`' answer kind). */
  sendPayoutFile(file: string): Promise<string | Failure<'bank_unavailable'>>;
  /** The next statement of `account` not yet fetched. */
  nextStatement(account: string): Promise<string | Failure<'bank_unavailable'>>;
}

function checkCurrencies(kind: ConnectorKind, name: string, codes: readonly string[]): void {
  assert.ok(codes.length > 0, `${kind} connector ${name} accepts no currency`);
  for (const code of codes) assert.ok(findCurrency(code) !== undefined, `${kind} connector ${name}: ${code} is not ISO 4217`);
}

/** Payments create orders, query late ones and read notifications: a wallet must support all three. */
export const walletCapabilitiesRequired = ['createOrder', 'query', 'notifications'] as const;

export function checkWalletConnector<C extends WalletConnector>(connector: C): C {
  const { name, capabilities } = connector;
  assert.ok(/^[a-z][a-z0-9_-]{0,39}$/.test(name), `wallet connector name ${JSON.stringify(name)} must be 1–40 of a-z, 0-9, _ and -`);
  for (const capability of walletCapabilitiesRequired)
    assert.ok(capabilities[capability], `wallet connector ${name} must support ${capability}`);
  checkCurrencies('wallet', name, connector.currencies);
  return connector;
}

/** A directory server that can neither authenticate frictionlessly nor challenge authenticates nothing. */
export function checkThreeDSecureConnector<C extends ThreeDSecureConnector>(connector: C): C {
  assert.ok(connector.capabilities.frictionless || connector.capabilities.challenge, '3-D Secure connector supports no authentication');
  return connector;
}

/** Settlement sends payouts and reconciles statements: a bank must support both. */
export function checkBankConnector<C extends BankConnector>(connector: C): C {
  assert.ok(connector.capabilities.payouts && connector.capabilities.statements, 'the bank connector must support payouts and statements');
  assert.ok(connector.formats.payouts !== '' && connector.formats.statements !== '', 'the bank connector must name its file formats');
  return connector;
}
