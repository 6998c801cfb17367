// Read models: the one place where a query joins tables that different modules own. Each file
// says at its top which tables it reads and why.
export { crossBorderDayTotals, walletDayMovements, walletDayTotals, type DayMovementRow, type PartyDayTotal } from './wallet-day-totals.js';
export { paymentOutcomes } from './payment-outcomes.js';
export { createRollups, figuresOf, observeLedger, type MoneyFigures, type PaymentDims, type Rollups } from './rollups.js';
export * as reports from './reports.js';
export { paymentsForExport, search, type SearchHit, type SearchQuery } from './search.js';
