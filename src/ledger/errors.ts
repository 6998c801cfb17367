/** Business failures of the ledger; the API maps each to an HTTP problem. */
export enum LedgerError {
  InsufficientFunds = 'insufficient_funds',
  EntryConflict = 'ledger_entry_conflict',
  AccountNotFound = 'ledger_account_not_found',
  CurrencyMismatch = 'ledger_currency_mismatch',
  PendingNotFound = 'pending_not_found',
  PendingAlreadyPosted = 'pending_already_posted',
  PendingAlreadyVoided = 'pending_already_voided',
  PostExceedsPending = 'post_exceeds_pending',
}
