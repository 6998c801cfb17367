/**
 * Risk and compliance (issue 16, docs/risk.md): real-name tiers and limits, sanctions screening.
 * The only door of src/risk/.
 */
export { RiskError } from './errors.js';
export * from './model.js';
export type { RiskTables } from './schema.js';
export { createRiskService, screeningThresholdPermilleDefault, type RiskDeps } from './service.js';
export { periodKeys } from './periods.js';
export {
  beijingDayRange,
  largeValueCsv,
  largeValueLines,
  largeValueThresholdsMinor,
  type DayTotal,
  type LargeValueLine,
} from './large-value.js';
export { verifyAuditLog } from './audit.js';
export { listedName, screenName, type ListedName, type Match } from './matching.js';
export { mayAct, operatorRoles, isOperatorRole, type OperatorArea, type OperatorRole } from './roles.js';
export { operatorSessionPrefix } from './operators.js';
export {
  caseSettingsDefault,
  caseTypologies,
  casesCsv,
  detectCases,
  type CaseCandidate,
  type CaseSettings,
  type CaseTypology,
  type DayMovement,
  type RiskCase,
} from './cases.js';
export { crossBorderThresholdsMinor } from './large-value.js';
export { createDailyScan, dailyScanAt, dailyScanKey, dailyScanKind, nextDailyScan, type DailyRun, type DailyScan } from './daily.js';
