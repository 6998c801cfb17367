import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authenticityOf } from './authenticity.js';

const country = fc.constantFrom('US', 'GB', 'JP', 'DE', 'HK');

describe('export trade authenticity', () => {
  it('flagged exactly when unshipped past due or shipped elsewhere than the card’s country; matched only when shipped and clean', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 90 * 86_400_000 }),
        fc.boolean(),
        fc.option(country, { nil: null }),
        fc.option(country, { nil: null }),
        fc.constantFrom('card_country' as const, 'off' as const),
        (dueDays, elapsedMs, shipped, cardCountry, destination, destinationRule) => {
          const paidAt = new Date(Date.UTC(2026, 0, 1));
          const now = new Date(paidAt.getTime() + elapsedMs);
          const destinationCountry = shipped ? destination : null;
          const r = authenticityOf({ paidAt: paidAt.toISOString(), cardCountry, destinationCountry, shipped }, now, {
            shipmentDueDays: dueDays,
            destinationRule,
          });
          const late = !shipped && elapsedMs >= dueDays * 86_400_000;
          const elsewhere =
            shipped &&
            destinationRule === 'card_country' &&
            cardCountry !== null &&
            destinationCountry !== null &&
            cardCountry !== destinationCountry;
          expect(r.flags.includes('no_shipment')).toBe(late);
          expect(r.flags.includes('destination_not_card_country')).toBe(elsewhere);
          expect(r.authenticity).toBe(late || elsewhere ? 'flagged' : shipped ? 'matched' : 'awaiting_shipment');
        },
      ),
      { numRuns: 500 },
    );
  });
});
