/** Settlement, payout and clearing failures; each is an API problem code (reconciliation's: src/reconciliation/errors.ts). */
export enum SettlementError {
  ScheduleInvalid = 'settlement_schedule_invalid',
  BankAccountInvalid = 'bank_account_invalid',
  StatementNotFound = 'settlement_not_found',
  PayoutNotFound = 'payout_not_found',
  ChargebackInvalid = 'chargeback_invalid',
  BankUnavailable = 'bank_unavailable',
}
