/**
 * Auto-pay's calendar is China's (Asia/Shanghai, UTC+8 all year: no daylight saving since 1991), as
 * the billers' due dates are: a bill due "on the 1st" is due from 00:00+08:00 of the 1st, which is
 * 16:00 UTC of the day before. Dates are `YYYY-MM-DD`.
 */
export const chinaOffsetMs = 8 * 3_600_000;
const dayMs = 86_400_000;

/** The date in China at an instant. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + chinaOffsetMs).toISOString().slice(0, 10);
}

/** The instant a China date begins (00:00+08:00). */
export function chinaMidnight(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - chinaOffsetMs);
}

/** The instant the next China date begins after `at`. */
export function nextChinaMidnight(at: Date): Date {
  return new Date(chinaMidnight(chinaDate(at)).getTime() + dayMs);
}
