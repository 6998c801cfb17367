import { expect, it } from 'vitest';
import { fixedRateText, formatScaled, rateScale } from '../src/fx/index.js';

/** Issue 12, "Smaller": FX rates print with the documented fixed fraction digits (docs/fx.md). */
it('every rate prints with exactly rateScale fraction digits', () => {
  expect(rateScale).toBe(10);
  expect(formatScaled(5_000_000_000n)).toBe('0.5000000000');
  expect(formatScaled(72_350_230_415n)).toBe('7.2350230415');
  expect(formatScaled(1_625_000_000_000n)).toBe('162.5000000000');
  expect(formatScaled(1n)).toBe('0.0000000001');
  expect(fixedRateText('0.5')).toBe('0.5000000000');
  expect(fixedRateText('1.0850')).toBe('1.0850000000');
  for (const text of ['0.5', '7.2350230415', '162.5', '1']) expect(fixedRateText(text), text).toMatch(/^[0-9]+\.[0-9]{10}$/);
});
