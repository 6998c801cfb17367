/** Business failures of the wallet connectors (src/api/problems.ts maps them to HTTP statuses). */
export enum WalletConnectorError {
  /** A notification that is not genuine (signature, time window) or not well formed. */
  NotificationInvalid = 'wallet_notification_invalid',
}

// Why a counterparty gave no usable answer: the one UnknownReason of src/channels/unknown-reason.ts.
