/**
 * The periods the real-name limits count over. PBOC's daily and yearly limits are read in China
 * Standard Time (UTC+8, no daylight saving): a day runs from 00:00 to 24:00 Beijing time, a year is
 * the calendar year there. `life` never rolls over (class I's cumulative limit).
 */
const beijingOffsetMs = 8 * 60 * 60 * 1000;

export interface PeriodKeys {
  readonly life: string;
  readonly year: string;
  readonly day: string;
}

export function periodKeys(at: Date): PeriodKeys {
  const beijing = new Date(at.getTime() + beijingOffsetMs).toISOString();
  return { life: 'life', year: `year:${beijing.slice(0, 4)}`, day: `day:${beijing.slice(0, 10)}` };
}
