import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * FX returns values (PaymentFxFacts, PaymentRepricing in src/payments/fx-port.ts); payments writes
 * its own columns, timeline and events. Guard: no FX source writes a payment table.
 */
describe('fx and payment rows', () => {
  it('no fx source updates or inserts into a payments table', () => {
    const dir = new URL('./', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(3);
    for (const file of sources) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text, file).not.toMatch(/(updateTable|insertInto)\('payment(s|_transitions|_attempts)'\)/);
      expect(text, file).not.toMatch(/recordTransition|payments\/store/);
    }
  });
});
