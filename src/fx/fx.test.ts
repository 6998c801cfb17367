import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../core/failure.js';
import { findCurrency } from '../money/index.js';
import { ecbXml, ratesAtTick, tickAt } from '../../sandbox/fx/index.js';
import { lookupBin } from './bins.js';
import { clientScaled, convertMinor, convertWithMargin, midScaled, sellFor, shareOf } from './convert.js';
import { FxError } from './errors.js';
import { createRateStore, formatScaled, parseEcbXml, parseRatesCsv, scaledOf, timestampOf } from './rates.js';

const ecb = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time='2026-11-20'>
      <Cube currency='USD' rate='1.0850'/>
      <Cube currency='JPY' rate='162.50'/>
      <Cube currency='CNY' rate='7.8500'/>
      <Cube currency='KRW' rate='1480.00'/>
    </Cube>
  </Cube>
</gesmes:Envelope>`;

const day = 24 * 60 * 60 * 1000;
const at = new Date('2026-11-21T08:00:00Z');

function storeWith(xml = ecb, staleAfterMs = 4 * day) {
  const store = createRateStore({ staleAfterMs });
  const snapshot = parseEcbXml(xml);
  if (isFailure(snapshot)) throw new Error(snapshot.detail);
  store.load(snapshot, at);
  return store;
}

describe('rate feeds', () => {
  it('parses the ECB daily document: every rate, against EUR, timestamped 14:00 UTC of its date', () => {
    const snapshot = parseEcbXml(ecb);
    expect(isFailure(snapshot)).toBe(false);
    if (isFailure(snapshot)) return;
    expect(snapshot.base).toBe('EUR');
    expect(snapshot.rates).toContainEqual({ currency: 'USD', rate: '1.0850', asOf: '2026-11-20T14:00:00.000Z' });
    expect(snapshot.rates).toHaveLength(4);
  });

  it('takes the newest day of a historical document', () => {
    const hist = ecb.replace(
      "<Cube time='2026-11-20'>",
      "<Cube time='2026-11-19'><Cube currency='USD' rate='9.9'/></Cube><Cube time='2026-11-20'>",
    );
    const snapshot = parseEcbXml(hist);
    expect(isFailure(snapshot) ? snapshot : snapshot.rates.find((r) => r.currency === 'USD')?.rate).toBe('1.0850');
  });

  it.each([
    ['not XML', 'hello <'],
    ['no cubes', '<gesmes:Envelope xmlns:gesmes="x"><Cube></Cube></gesmes:Envelope>'],
    ['unknown currency', ecb.replace("'USD'", "'XYZ'")],
    ['negative rate', ecb.replace("'1.0850'", "'-1.0850'")],
    ['float syntax', ecb.replace("'1.0850'", "'1e3'")],
    ['bad time', ecb.replace("'2026-11-20'", "'yesterday'")],
  ])('refuses a whole document with %s', (_name, xml) => {
    const snapshot = parseEcbXml(xml);
    expect(isFailure(snapshot) && snapshot.failure).toBe(FxError.FeedInvalid);
  });

  it('parses CSV with one base, and refuses mixed bases and bad lines', () => {
    const ok = parseRatesCsv('base,currency,rate,as_of\nEUR,USD,1.0850,2026-11-20\nEUR,KWD,0.33400,2026-11-20T15:00:00Z\n');
    expect(isFailure(ok) ? ok.detail : ok.rates.map((r) => r.asOf)).toEqual(['2026-11-20T14:00:00.000Z', '2026-11-20T15:00:00.000Z']);
    expect(isFailure(parseRatesCsv('base,currency,rate,as_of\nEUR,USD,1.0850,2026-11-20\nUSD,JPY,150,2026-11-20\n'))).toBe(true);
    expect(isFailure(parseRatesCsv('currency,rate\nUSD,1.08\n'))).toBe(true);
    expect(isFailure(parseRatesCsv('base,currency,rate,as_of\nEUR,USD,0,2026-11-20\n'))).toBe(true);
  });

  it('reads the sandbox feed it serves (date-time cubes that move)', () => {
    const a = parseEcbXml(ecbXml(tickAt(new Date('2026-11-21T08:00:30Z'), 60_000)));
    expect(isFailure(a) ? a.detail : a.rates[0]?.asOf).toBe('2026-11-21T08:00:00.000Z');
    const moved = [0n, 3n, 7n].map((n) => ratesAtTick(n).find((r) => r.currency === 'USD')?.rate);
    expect(new Set(moved).size).toBeGreaterThan(1);
    expect(timestampOf('2026-02-30')).not.toBe('2026-02-30T14:00:00.000Z');
  });
});

describe('the rate store', () => {
  it('gives exact cross rates through the base', () => {
    const r = storeWith().pair('USD', 'CNY', at);
    expect(isFailure(r)).toBe(false);
    if (isFailure(r)) return;
    // 7.85 / 1.085 exactly, as a rational
    expect(r.rate.num * 10850n).toBe(r.rate.den * 78500n);
    expect(formatScaled(midScaled(r.rate))).toBe('7.2350230415');
    const base = storeWith().pair('EUR', 'JPY', at);
    expect(isFailure(base) ? base : formatScaled(midScaled(base.rate))).toBe('162.5000000000');
  });

  it('refuses unknown currencies and pairs it has no rate for', () => {
    const store = storeWith();
    expect((store.pair('USD', 'KWD', at) as { failure: string }).failure).toBe(FxError.PairUnsupported);
    expect((store.pair('USD', 'XXX', at) as { failure: string }).failure).toBe(FxError.PairUnsupported);
    expect((createRateStore({ staleAfterMs: day }).pair('USD', 'CNY', at) as { failure: string }).failure).toBe(FxError.PairUnsupported);
  });

  it('refuses a rate older than the staleness bound, and a newer feed cures it', () => {
    const store = storeWith(ecb, day);
    expect(isFailure(store.pair('USD', 'CNY', new Date('2026-11-21T13:59:59Z')))).toBe(false);
    const stale = store.pair('USD', 'CNY', new Date('2026-11-21T14:00:01Z'));
    expect(isFailure(stale) && stale.failure).toBe(FxError.RateStale);
    const next = parseEcbXml(ecb.replace("'2026-11-20'", "'2026-11-21'"));
    if (!isFailure(next)) store.load(next, at);
    expect(isFailure(store.pair('USD', 'CNY', new Date('2026-11-21T14:00:01Z')))).toBe(false);
  });

  it('never replaces a rate by an older one', () => {
    const store = storeWith();
    const older = parseEcbXml(ecb.replace("'2026-11-20'", "'2026-11-19'").replace("'1.0850'", "'2.0000'"));
    if (!isFailure(older)) store.load(older, at);
    expect(store.list().rates.find((r) => r.currency === 'USD')?.rate).toBe('1.0850');
  });
});

describe('conversion and rounding (docs/fx.md)', () => {
  const currencies = ['USD', 'CNY', 'JPY', 'KWD', 'EUR', 'GBP'];
  // A mid rate between 0.0001 and 10000, as 10-digit scaled decimals
  const scaledRate = fc.bigInt({ min: 1_000_000n, max: 100_000_000_000_000n });

  it('amount × mid rate − margin = merchant amount, within one minor unit; nothing is created or lost', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000_000n }),
        fc.constantFrom(...currencies),
        fc.constantFrom(...currencies),
        scaledRate,
        fc.integer({ min: 0, max: 1000 }),
        (minor, from, to, mid, bps) => {
          const client = clientScaled(mid, bps);
          const c = convertWithMargin({ minor, currency: from }, to, mid, client);
          const fromExp = BigInt(findCurrency(from)!.exponent);
          const toExp = BigInt(findCurrency(to)!.exponent);
          // Exact value of amount × mid in target minor units, as a fraction over D.
          const D = 10n ** (10n + fromExp);
          const exactTimesD = minor * mid * 10n ** toExp;
          const diff = exactTimesD - (c.marginMinor + c.merchantMinor) * D;
          expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(D); // |amount×rate − margin − merchant| ≤ 1 minor unit
          expect(c.midMinor).toBe(c.marginMinor + c.merchantMinor); // the S side balances exactly
          expect(c.marginMinor >= 0n).toBe(true); // the markup never pays the merchant more than mid
        },
      ),
    );
  });

  it('rounds half-up on the converted minor units, across 0-, 2- and 3-decimal currencies', () => {
    // USD 1.00 at 7.235 CNY → CNY 7.24 (half-up on 723.5 fen)
    expect(convertMinor({ minor: 100n, currency: 'USD' }, 72_350_000_000n, 'CNY')).toBe(724n);
    // JPY 1 at 0.0066666667 USD → 0.67 cents → USD 0.01
    expect(convertMinor({ minor: 1n, currency: 'JPY' }, 66_666_667n, 'USD')).toBe(1n);
    // JPY 149 at 0.0066666667 USD → 99.33 cents → USD 0.99; JPY 0 exponent, USD 2
    expect(convertMinor({ minor: 149n, currency: 'JPY' }, 66_666_667n, 'USD')).toBe(99n);
    // USD 10.00 → KWD at 0.3078 → 3.078 KWD = 3078 fils (3 decimals)
    expect(convertMinor({ minor: 1000n, currency: 'USD' }, 3_078_000_000n, 'KWD')).toBe(3078n);
    // KWD 0.001 (1 fils) → JPY at 487.5 → 0.4875 yen → 0 (rounds to zero)
    expect(convertMinor({ minor: 1n, currency: 'KWD' }, 4_875_000_000_000n, 'JPY')).toBe(0n);
    // KWD 0.001 → JPY at 500 → 0.5 yen → 1 (half-up)
    expect(convertMinor({ minor: 1n, currency: 'KWD' }, 5_000_000_000_000n, 'JPY')).toBe(1n);
    // JPY 1000 → KWD at 0.002055 → 2.055 KWD = 2055 fils
    expect(convertMinor({ minor: 1000n, currency: 'JPY' }, 20_550_000n, 'KWD')).toBe(2055n);
  });

  it('the client rate is the mid rate less the markup, rounded down in the 11th digit', () => {
    expect(formatScaled(clientScaled(72_350_230_415n, 50))).toBe('7.1988479262');
    expect(clientScaled(72_350_230_415n, 0)).toBe(72_350_230_415n);
    expect(scaledOf('7.1988479262')).toBe(71_988_479_262n);
  });

  it('sellFor finds the smallest amount that pays a price', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 1_000_000_000n }),
        fc.constantFrom(...currencies),
        fc.constantFrom(...currencies),
        scaledRate,
        (price, from, to, rate) => {
          const sell = sellFor({ minor: price, currency: to }, from, rate);
          expect(convertMinor({ minor: sell, currency: from }, rate, to) >= price).toBe(true);
          if (sell > 1n) expect(convertMinor({ minor: sell - 1n, currency: from }, rate, to) < price).toBe(true);
        },
      ),
    );
  });

  it('refund shares add up to the whole, in any number of parts', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 1000n }), { minLength: 1, maxLength: 8 }),
        (total, parts) => {
          const whole = parts.reduce((a, b) => a + b, 0n);
          let done = 0n;
          let given = 0n;
          for (const p of parts) {
            done += p;
            given = shareOf(total, done, whole);
          }
          expect(given).toBe(total);
        },
      ),
    );
  });
});

describe('issuers by BIN', () => {
  it("knows the sandbox issuers' countries and billing currencies", () => {
    expect(lookupBin('411111')).toMatchObject({ brand: 'visa', country: 'US', currency: 'USD' });
    expect(lookupBin('555555')).toMatchObject({ brand: 'mastercard', currency: 'GBP' });
    expect(lookupBin('353011')).toMatchObject({ brand: 'jcb', currency: 'JPY' });
    expect(lookupBin('62')).toBeUndefined();
    expect(lookupBin('411111', [{ prefix: '4111', country: 'HK', currency: 'HKD' }])).toMatchObject({ country: 'HK', currency: 'HKD' });
  });
});
