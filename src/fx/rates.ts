import { XMLParser } from 'fast-xml-parser';
import { fail, type Failure } from '../core/index.js';
import { divideRounded, findCurrency, isMoneyFailure, parseRate } from '../money/index.js';
import { FxError } from './errors.js';

/**
 * Exchange rates as exact rationals (never floats): `num / den` units of the quote currency per one
 * MAJOR unit of the base currency. A feed gives every currency against one base (the ECB: euros);
 * any pair is then a cross rate through that base, still exact.
 */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** One published rate: `rate` units of `currency` per one unit of `base`, as of `asOf`. */
export interface FeedRate {
  readonly currency: string;
  readonly rate: string;
  readonly asOf: string;
}

export interface FeedSnapshot {
  readonly base: string;
  readonly rates: readonly FeedRate[];
  readonly source: string;
}

/** A rate between two currencies: exact, with the older timestamp of the two legs. */
export interface PairRate {
  readonly from: string;
  readonly to: string;
  readonly rate: Rational;
  readonly asOf: string;
}

/** Fraction digits of every rate Hutong quotes or stores (finer than any published FX rate). */
export const rateScale = 10;

function rationalOf(text: string): Rational | undefined {
  const parsed = parseRate(text);
  if (isMoneyFailure(parsed)) return undefined;
  return { num: parsed.scaled, den: 10n ** BigInt(parsed.scale) };
}

/**
 * The ECB gives a date (`time="2026-11-20"`): its reference rates are set at 14:10 CET and
 * published around 16:00 CET; that date's 14:00 UTC is used as the rate's timestamp. A full ISO
 * date-time (the sandbox feed, which moves within a day) is taken as it is.
 */
export function timestampOf(time: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(time)) {
    const at = new Date(`${time}T14:00:00Z`);
    return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(time)) return undefined;
  const at = new Date(time);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/**
 * Parses the ECB euro foreign exchange reference rates document (eurofxref-daily.xml):
 * `gesmes:Envelope > Cube > Cube[time] > Cube[currency][rate]`. A historical document holds many
 * dated cubes; the newest is taken. Every currency must be ISO 4217 and every rate a positive
 * decimal, or the whole document is refused (a half-read feed is worse than the last good one).
 */
export function parseEcbXml(xml: string, source = 'ecb'): FeedSnapshot | Failure<FxError> {
  let doc: unknown;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      removeNSPrefix: true,
      isArray: (name) => name === 'Cube',
    }).parse(xml, true);
  } catch (error) {
    return fail(FxError.FeedInvalid, `the rate feed is not well-formed XML: ${(error as Error).message}`);
  }
  const envelope = (doc as { Envelope?: { Cube?: { Cube?: unknown[] }[] } }).Envelope;
  const days = (envelope?.Cube?.[0]?.Cube ?? []) as { '@time'?: string; Cube?: { '@currency'?: string; '@rate'?: string }[] }[];
  if (days.length === 0) return fail(FxError.FeedInvalid, 'the rate feed has no Cube with a time attribute');
  const dated = days.map((d) => ({ at: timestampOf(d['@time'] ?? ''), rates: d.Cube ?? [] }));
  if (dated.some((d) => d.at === undefined)) return fail(FxError.FeedInvalid, 'a Cube time is not a date or an ISO 8601 date-time');
  const newest = dated.reduce((a, b) => ((a.at as string) >= (b.at as string) ? a : b));
  const rates: FeedRate[] = [];
  for (const r of newest.rates) {
    const currency = r['@currency'] ?? '';
    const rate = String(r['@rate'] ?? '');
    if (findCurrency(currency) === undefined)
      return fail(FxError.FeedInvalid, `the rate feed names ${JSON.stringify(currency)}, not a supported ISO 4217 currency`);
    if (rationalOf(rate) === undefined)
      return fail(FxError.FeedInvalid, `the rate of ${currency} is not a positive decimal: ${JSON.stringify(rate)}`);
    rates.push({ currency, rate, asOf: newest.at as string });
  }
  if (rates.length === 0) return fail(FxError.FeedInvalid, 'the rate feed lists no rates');
  return { base: 'EUR', rates, source };
}

/**
 * Parses rates from CSV: a header `base,currency,rate,as_of` then one rate per line, e.g.
 * `EUR,USD,1.0823,2026-11-20T14:00:00Z`. All lines must share one base.
 */
export function parseRatesCsv(text: string, source = 'csv'): FeedSnapshot | Failure<FxError> {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const header = lines.shift()?.toLowerCase().replace(/\s/g, '');
  if (header !== 'base,currency,rate,as_of') return fail(FxError.FeedInvalid, 'the CSV header must be base,currency,rate,as_of');
  let base: string | undefined;
  const rates: FeedRate[] = [];
  for (const [i, line] of lines.entries()) {
    const [b = '', currency = '', rate = '', asOfText = '', ...rest] = line.split(',').map((c) => c.trim());
    const where = `CSV line ${i + 2}`;
    if (rest.length > 0) return fail(FxError.FeedInvalid, `${where} has more than four columns`);
    if (findCurrency(b) === undefined || findCurrency(currency) === undefined)
      return fail(FxError.FeedInvalid, `${where}: ${b}/${currency} is not a pair of ISO 4217 currencies`);
    if (base !== undefined && b !== base) return fail(FxError.FeedInvalid, `${where}: every line must have the base ${base}`);
    base = b;
    if (rationalOf(rate) === undefined) return fail(FxError.FeedInvalid, `${where}: the rate is not a positive decimal`);
    const asOf = timestampOf(asOfText);
    if (asOf === undefined) return fail(FxError.FeedInvalid, `${where}: as_of is not a date or an ISO 8601 date-time`);
    rates.push({ currency, rate, asOf });
  }
  if (base === undefined) return fail(FxError.FeedInvalid, 'the CSV lists no rates');
  return { base, rates, source };
}

export interface RateStoreOptions {
  /** A rate older than this gives no quote (FxError.RateStale). */
  readonly staleAfterMs: number;
}

/**
 * The rates Hutong converts with: the last good snapshot of each feed currency against the base.
 * Loading a snapshot replaces what it names and keeps the rest; a rate is never replaced by an
 * older one. Kept in memory: every node loads the same feed (docs/fx.md).
 */
export function createRateStore(options: RateStoreOptions) {
  let base: string | undefined;
  const byCurrency = new Map<string, { rate: Rational; text: string; asOf: string; source: string }>();
  let loadedAt: string | undefined;

  function load(snapshot: FeedSnapshot, now: Date): { loaded: number } | Failure<FxError> {
    if (base !== undefined && snapshot.base !== base)
      return fail(FxError.FeedInvalid, `the store holds rates against ${base}, the feed gives ${snapshot.base}`);
    base = snapshot.base;
    let loaded = 0;
    for (const r of snapshot.rates) {
      const rate = rationalOf(r.rate) as Rational;
      const held = byCurrency.get(r.currency);
      if (held !== undefined && held.asOf > r.asOf) continue;
      byCurrency.set(r.currency, { rate, text: r.rate, asOf: r.asOf, source: snapshot.source });
      loaded++;
    }
    loadedAt = now.toISOString();
    return { loaded };
  }

  /** Units of `currency` per base unit; the base itself is exactly 1, as of its partner's time. */
  function leg(currency: string): { rate: Rational; asOf: string | undefined } | undefined {
    if (currency === base) return { rate: { num: 1n, den: 1n }, asOf: undefined };
    const held = byCurrency.get(currency);
    return held === undefined ? undefined : { rate: held.rate, asOf: held.asOf };
  }

  /**
   * The exact rate from → to (units of `to` per unit of `from`), through the base. Unknown
   * currencies and rates older than the staleness bound are failures, never a guess.
   */
  function pair(from: string, to: string, now: Date): PairRate | Failure<FxError> {
    if (findCurrency(from) === undefined || findCurrency(to) === undefined)
      return fail(FxError.PairUnsupported, `${from}/${to} is not a pair of supported ISO 4217 currencies`);
    if (from === to) return { from, to, rate: { num: 1n, den: 1n }, asOf: now.toISOString() };
    const a = leg(from);
    const b = leg(to);
    if (a === undefined || b === undefined)
      return fail(
        FxError.PairUnsupported,
        `no rate for ${a === undefined ? from : to}; rates are known for ${[base, ...byCurrency.keys()].filter((c) => c !== undefined).join(', ') || 'no currency yet'}`,
      );
    // (to per base) / (from per base) = to per from
    const rate = { num: b.rate.num * a.rate.den, den: b.rate.den * a.rate.num };
    const times = [a.asOf, b.asOf].filter((t): t is string => t !== undefined);
    const asOf = times.reduce((x, y) => (x <= y ? x : y));
    const ageMs = now.getTime() - new Date(asOf).getTime();
    if (ageMs > options.staleAfterMs)
      return fail(
        FxError.RateStale,
        `the ${from}/${to} rate is from ${asOf}, older than the ${Math.round(options.staleAfterMs / 60000)} minute bound; no quote until the feed is fresh`,
      );
    return { from, to, rate, asOf };
  }

  function list(): {
    base: string | undefined;
    loadedAt: string | undefined;
    rates: { currency: string; rate: string; asOf: string; source: string }[];
  } {
    return {
      base,
      loadedAt,
      rates: [...byCurrency]
        .map(([currency, r]) => ({ currency, rate: r.text, asOf: r.asOf, source: r.source }))
        .sort((x, y) => (x.currency < y.currency ? -1 : 1)),
    };
  }

  return { load, pair, list };
}

export type RateStore = ReturnType<typeof createRateStore>;

/** A rational rounded to `rateScale` fraction digits by `mode`, as scaled digits. */
export function toScaled(rate: Rational, mode: 'half_up' | 'down'): bigint {
  return divideRounded(rate.num * 10n ** BigInt(rateScale), rate.den, mode);
}

/**
 * Scaled digits as text with exactly `rateScale` fraction digits, as docs/fx.md documents:
 * 72345600000n → "7.2345600000", 5000000000n → "0.5000000000". A fixed width is what clients parse
 * and compare; "0.5" beside "7.2350230415" was not (issue 12).
 */
export function formatScaled(scaled: bigint): string {
  const digits = scaled.toString().padStart(rateScale + 1, '0');
  return `${digits.slice(0, digits.length - rateScale)}.${digits.slice(digits.length - rateScale)}`;
}

/** A published rate's decimal text at the fixed `rateScale` digits (finer text is left as it came). */
export function fixedRateText(text: string): string {
  const scaled = scaledOf(text);
  return typeof scaled === 'bigint' ? formatScaled(scaled) : text;
}

/** Exact decimal text back to scaled digits at `rateScale`. */
export function scaledOf(text: string): bigint | Failure<FxError> {
  const parsed = parseRate(text);
  if (isMoneyFailure(parsed) || parsed.scale > rateScale) return fail(FxError.FeedInvalid, `not a rate: ${text}`);
  return parsed.scaled * 10n ** BigInt(rateScale - parsed.scale);
}
