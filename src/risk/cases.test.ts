import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseSettingsDefault, detectCases, type DayMovement } from './cases.js';
import { largeValueThresholdsMinor } from './large-value.js';

const parties = ['c1', 'c2', 'c3', 'c4', 'mer'];
const movement = fc.record({
  type: fc.constantFrom<DayMovement['type']>('top_up', 'transfer', 'withdrawal'),
  from: fc.constantFrom(...parties),
  to: fc.constantFrom(...parties),
  amountMinor: fc.bigInt({ min: 1n, max: 60_000_000n }),
  minute: fc.integer({ min: 0, max: 1439 }),
});
const movements = fc.array(movement, { maxLength: 40 }).map((ms) =>
  ms.map((m, i): DayMovement => ({
    id: `mv_${String(i).padStart(3, '0')}`,
    merchantId: 'mer',
    type: m.type,
    sourceId: m.type === 'top_up' ? null : m.from,
    destinationId: m.type === 'withdrawal' ? null : m.to,
    currency: 'CNY',
    amountMinor: m.amountMinor,
    createdAt: new Date(Date.UTC(2026, 3, 1, 0, m.minute)).toISOString(),
  })),
);

describe('suspicious-activity detection', () => {
  it('a case names only movements of the day that involve its party, and the same movements in any order give the same cases', () => {
    fc.assert(
      fc.property(movements, (ms) => {
        const cases = detectCases('2026-04-01', ms);
        const byId = new Map(ms.map((m) => [m.id, m]));
        const keys = cases.map((c) => `${c.partyId}/${c.typology}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const c of cases) {
          expect(c.evidence.length).toBeGreaterThan(0);
          for (const id of c.evidence) {
            const m = byId.get(id);
            expect(m === undefined ? false : m.sourceId === c.partyId || m.destinationId === c.partyId).toBe(true);
          }
          if (c.typology === 'structuring') {
            const threshold = largeValueThresholdsMinor.CNY![c.partyId === 'mer' ? 'other' : 'natural_person'];
            expect(c.totalMinor < threshold).toBe(true);
            expect(c.totalMinor * 1000n >= threshold * 900n).toBe(true);
          }
        }
        const shuffled = [...ms].reverse();
        const again = detectCases('2026-04-01', shuffled);
        const norm = (cs: typeof cases) => cs.map((c) => `${c.partyId}/${c.typology}/${c.totalMinor}/${c.evidence.join(' ')}`).sort();
        expect(norm(again)).toEqual(norm(cases));
      }),
    );
  });

  it('many payers needs distinct payers: ten transfers from one payer are not ten payers', () => {
    const base = {
      merchantId: 'mer',
      type: 'transfer' as const,
      currency: 'CNY',
      amountMinor: 100n,
      createdAt: '2026-04-01T00:00:00.000Z',
    };
    const fromOne = Array.from({ length: 10 }, (_, i): DayMovement => ({ ...base, id: `a${i}`, sourceId: 'p', destinationId: 'hub' }));
    const fromTen = Array.from({ length: 10 }, (_, i): DayMovement => ({ ...base, id: `b${i}`, sourceId: `p${i}`, destinationId: 'hub' }));
    expect(detectCases('2026-04-01', fromOne)).toEqual([]);
    expect(detectCases('2026-04-01', fromTen).map((c) => c.typology)).toEqual(['many_payers']);
    expect(detectCases('2026-04-01', fromTen, { ...caseSettingsDefault, manyPayersMin: 11 })).toEqual([]);
  });

  it('rapid in-and-out counts only what left after the money came in', () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 3, 1, 0, minute)).toISOString();
    const ms: DayMovement[] = [
      {
        id: 'out1',
        merchantId: 'mer',
        type: 'withdrawal',
        sourceId: 'c',
        destinationId: null,
        currency: 'CNY',
        amountMinor: 9_500_000n,
        createdAt: at(1),
      },
      {
        id: 'in1',
        merchantId: 'mer',
        type: 'top_up',
        sourceId: null,
        destinationId: 'c',
        currency: 'CNY',
        amountMinor: 10_000_000n,
        createdAt: at(2),
      },
    ];
    expect(detectCases('2026-04-01', ms)).toEqual([]);
    const later = { ...ms[0]!, id: 'out2', createdAt: at(3) };
    expect(detectCases('2026-04-01', [...ms, later]).map((c) => [c.typology, c.evidence])).toEqual([['rapid_in_out', ['in1', 'out2']]]);
  });
});
