/** Settlement, payout, clearing and reconciliation failures; each is an API problem code. */
export enum SettlementError {
  ScheduleInvalid = 'settlement_schedule_invalid',
  BankAccountInvalid = 'bank_account_invalid',
  StatementNotFound = 'settlement_not_found',
  PayoutNotFound = 'payout_not_found',
  ChargebackInvalid = 'chargeback_invalid',
  BankUnavailable = 'bank_unavailable',
  ReconFileInvalid = 'recon_file_invalid',
  ReconFileDuplicate = 'recon_file_duplicate',
  ReconExceptionNotFound = 'recon_exception_not_found',
  ReconExceptionClosed = 'recon_exception_closed',
}
