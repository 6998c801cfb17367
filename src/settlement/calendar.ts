/**
 * Settlement calendar: a business day ends at the merchant's cut-off hour in its time zone.
 * Business day X spans [cut-off on X−1, cut-off on X) (cut-off 0 = midnight at the end of X); with T+N, postings of business day X are due
 * on X+N. A run at `now` therefore settles everything created before the cut-off of day (today − N),
 * the window end — one fixed instant per day, so a rerun names the same window.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a time zone. */
function wall(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    y: parts.year as number,
    m: parts.month as number,
    d: parts.day as number,
    h: parts.hour as number,
    min: parts.minute as number,
    s: parts.second as number,
  };
}

function offsetMs(ms: number, timeZone: string): number {
  const w = wall(ms, timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` shows `hour`:00 on the given calendar day. */
export function zonedInstant(y: number, m: number, d: number, hour: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d, hour);
  const first = guess - offsetMs(guess, timeZone);
  const second = guess - offsetMs(first, timeZone);
  return new Date(second);
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const w = wall(at.getTime(), timeZone);
  return `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** The end of the settlement window for a run at `now` (see above). */
export function windowEnd(now: Date, schedule: { delayDays: number; cutoffHour: number; timeZone: string }): Date {
  const w = wall(now.getTime(), schedule.timeZone);
  for (let back = schedule.delayDays; back <= schedule.delayDays + 1; back++) {
    // Cut-off 0 closes the day at its end (midnight after it), not at its start.
    const day = new Date(Date.UTC(w.y, w.m - 1, w.d - back + (schedule.cutoffHour === 0 ? 1 : 0)));
    const end = zonedInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), schedule.cutoffHour, schedule.timeZone);
    if (end.getTime() <= now.getTime()) return end;
  }
  throw new Error("unreachable: the previous day's cut-off is always in the past");
}
