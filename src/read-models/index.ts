// Read models: the one place where a query joins tables that different modules own. Each file
// says at its top which tables it reads and why.
export { crossBorderDayTotals, walletDayMovements, walletDayTotals, type DayMovementRow, type PartyDayTotal } from './wallet-day-totals.js';
export { paymentOutcomes } from './payment-outcomes.js';
