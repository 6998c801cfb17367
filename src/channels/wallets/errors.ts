/** Business failures of the wallet connectors (src/api/problems.ts maps them to HTTP statuses). */
export enum WalletConnectorError {
  /** A notification that is not genuine (signature, time window) or not well formed. */
  NotificationInvalid = 'wallet_notification_invalid',
}

/**
 * Why a wallet gave no usable answer (`unavailable`, or `unknown` for a refund). The connector
 * never guesses: only an answer the wallet signed says paid, succeeded or failed.
 */
export enum WalletUnavailableReason {
  Timeout = 'timeout',
  /** No connection (refused, reset, DNS). */
  Unreachable = 'unreachable',
  /** A status the protocol does not define, or a 5xx. */
  HttpStatus = 'http_status',
  MalformedResponse = 'malformed_response',
  /** The answer is not signed with the wallet's key, or its time is outside the window. */
  SignatureInvalid = 'signature_invalid',
  /** The answer names another order or amount than the one asked about. */
  Integrity = 'integrity',
  /** The wallet already has this order id with other content (409). */
  OrderConflict = 'order_conflict',
  /** The wallet does not know the order (a query for an order it never received). */
  OrderNotFound = 'order_not_found',
  /** The wallet refused the request (4xx): bad input or a key it does not accept. */
  Rejected = 'rejected',
}
