/**
 * Large-value transaction reports (PBOC Order 2016 No.3, domain.md §8): transfers of a natural
 * person of CNY 500,000 (USD 100,000) or more in a day, single or cumulative; of other parties
 * CNY 2,000,000 (USD 200,000); cross-border transfers of a natural person CNY 200,000 (USD 10,000).
 */
export interface DayTotal {
  readonly partyId: string;
  readonly partyKind: 'natural_person' | 'other';
  readonly merchantId: string;
  readonly direction: 'paid' | 'received';
  readonly currency: string;
  readonly totalMinor: bigint;
  readonly count: number;
  /** Cross-border totals (import orders) have thresholds of their own; absent means domestic. */
  readonly scope?: 'domestic' | 'cross_border';
}

export const largeValueThresholdsMinor: Record<string, Record<DayTotal['partyKind'], bigint>> = {
  CNY: { natural_person: 50_000_000n, other: 200_000_000n },
  USD: { natural_person: 10_000_000n, other: 20_000_000n },
};

/** Cross-border transfers (domain.md §8): natural persons CNY 200,000 / USD 10,000; other parties as domestic. */
export const crossBorderThresholdsMinor: Record<string, Record<DayTotal['partyKind'], bigint>> = {
  CNY: { natural_person: 20_000_000n, other: 200_000_000n },
  USD: { natural_person: 1_000_000n, other: 20_000_000n },
};

export interface LargeValueLine extends DayTotal {
  readonly day: string;
  readonly thresholdMinor: bigint;
}

export function largeValueLines(day: string, totals: readonly DayTotal[]): LargeValueLine[] {
  const lines: LargeValueLine[] = [];
  for (const total of totals) {
    const table = total.scope === 'cross_border' ? crossBorderThresholdsMinor : largeValueThresholdsMinor;
    const threshold = table[total.currency]?.[total.partyKind];
    if (threshold !== undefined && total.totalMinor >= threshold) lines.push({ ...total, day, thresholdMinor: threshold });
  }
  const key = (l: LargeValueLine) => `${l.partyId}\u0000${l.scope ?? 'domestic'}\u0000${l.direction}\u0000${l.currency}`;
  return lines.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** One CSV line per party, direction and currency over its threshold. */
export function largeValueCsv(lines: readonly LargeValueLine[]): string {
  const header = 'day,party,party_kind,merchant,direction,currency,total_minor,count,threshold_minor,scope';
  const body = lines.map((l) =>
    [
      l.day,
      l.partyId,
      l.partyKind,
      l.merchantId,
      l.direction,
      l.currency,
      l.totalMinor,
      l.count,
      l.thresholdMinor,
      l.scope ?? 'domestic',
    ].join(','),
  );
  return [header, ...body].join('\n') + '\n';
}

/** The UTC range of a Beijing calendar day (UTC+8). */
export function beijingDayRange(day: string): { fromIso: string; toIso: string } {
  const start = new Date(`${day}T00:00:00+08:00`);
  // Date rolls 2026-02-30 over to 2 March: the day must come back as itself.
  const real = !Number.isNaN(start.getTime()) && new Date(start.getTime() + 8 * 3_600_000).toISOString().slice(0, 10) === day;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !real) throw new Error(`day must be a calendar day YYYY-MM-DD, got ${day}`);
  return { fromIso: start.toISOString(), toIso: new Date(start.getTime() + 86_400_000).toISOString() };
}
