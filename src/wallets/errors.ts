export enum WalletError {
  CustomerNotFound = 'customer_not_found',
  InsufficientFunds = 'insufficient_funds',
  TransferInvalid = 'transfer_invalid',
  IdempotencyConflict = 'idempotency_key_reused',
  MovementNotFound = 'transfer_not_found',
}
