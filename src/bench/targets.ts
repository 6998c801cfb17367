import type { Dialect } from '../store/index.js';
import type { Target } from './model.js';

/** The targets: printed beside the figures, never failing the run (only a broken ledger does). */
export const ledgerRatioMin: Record<Dialect, number> = { sqlite: 1.5, postgres: 1.0 };
export const httpRatePerSecMin = 5_000;
export const httpP99MsMax = 50;
/** Card payments (create + confirm) per second through HTTP and the ISO 8583 sandbox, on SQLite. */
export const cardRatePerSecMin = 2_000;
export const cardP99MsMax = 100;

export function atLeast(description: string, actual: number, required: number): Target {
  return { description, met: actual >= required, attainment: required === 0 ? 1 : actual / required };
}

export function atMost(description: string, actual: number, allowed: number): Target {
  return { description, met: actual <= allowed, attainment: actual === 0 ? 1 : allowed / actual };
}
