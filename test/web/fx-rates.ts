/**
 * The FX world for the web suites, as test/fx.test.ts sets it up: EUR-based reference rates in the
 * ECB's format, timed at `at` (so never stale in the test). USD→CNY mid = 7.85 / 1.085.
 */
export function ecbRates(at: Date): string {
  const rates: [string, string][] = [
    ['USD', '1.0850'],
    ['JPY', '162.50'],
    ['CNY', '7.8500'],
    ['KRW', '1480.00'],
    ['GBP', '0.84200'],
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube><Cube time="${at.toISOString()}">${rates.map(([c, r]) => `<Cube currency="${c}" rate="${r}"/>`).join('')}</Cube></Cube></gesmes:Envelope>`;
}
