/**
 * Numbers, money and dates for the pages, all through Intl (no DOM here, so unit tests run it in
 * Node). Currency exponents come from Intl's currency data, never a table in the page; amounts are
 * integer minor units turned into a decimal string by string arithmetic (no float division) and
 * given to Intl as a string.
 */
export type Lang = 'en' | 'zh';
export const localeOf = (lang: Lang): string => (lang === 'zh' ? 'zh-CN' : 'en-US');

const exponents = new Map<string, number>();
export function exponentOf(currency: string): number {
  let e = exponents.get(currency);
  if (e === undefined) {
    try {
      e = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      e = 2;
    }
    exponents.set(currency, e);
  }
  return e;
}

/** 123456 USD → "1234.56"; -5 JPY → "-5". */
export function decimalOf(minor: number | bigint, currency: string): string {
  const e = exponentOf(currency);
  const negative = minor < 0;
  let digits = String(negative ? -BigInt(minor) : BigInt(minor));
  if (e > 0) {
    digits = digits.padStart(e + 1, '0');
    digits = `${digits.slice(0, -e)}.${digits.slice(-e)}`;
  }
  return (negative ? '-' : '') + digits;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();
/** The locale's currency form with thousands separators: "$1,234.56", "US$1,234.56", "¥1,234.56". */
export function formatMoney(minor: number | bigint, currency: string, lang: Lang): string {
  const k = `${lang}:${currency}`;
  let f = moneyFormats.get(k);
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat(localeOf(lang), { style: 'currency', currency });
    } catch {
      return `${currency} ${decimalOf(minor, currency)}`;
    }
    moneyFormats.set(k, f);
  }
  return f.format(decimalOf(minor, currency) as Intl.StringNumericLiteral);
}

/** "12.34" in the currency's exponent → minor units; null when not a plain positive amount. */
export function parseMoney(text: string, currency: string): number | null {
  const e = exponentOf(currency);
  const m = /^(\d{1,15})(?:[.,](\d+))?$/.exec(text.trim().replace(/[\s,](?=\d{3}(?:\D|$))/g, ''));
  if (m === null) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > e) return null;
  return Number(`${m[1]}${fraction.padEnd(e, '0')}`);
}

/** An example amount in the currency's form, for placeholders: "12.34", "1234" (JPY). */
export const exampleAmount = (currency: string): string => decimalOf(1234, currency);

/** Date and time in the viewer's time zone, with the zone shown ("Dec 3, 2026, 3:20 PM UTC"). */
export function formatDateTime(iso: string | null | undefined, lang: Lang, timeZone?: string): string {
  if (iso === null || iso === undefined || iso === '') return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(localeOf(lang), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(at);
}

/** A calendar day (YYYY-MM-DD, no time) in the locale's short form: "Dec 3", "12月3日". */
export function formatDay(day: string, lang: Lang): string {
  const at = new Date(`${day}T00:00:00Z`);
  return new Intl.DateTimeFormat(localeOf(lang), { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(at);
}

/** An exchange rate to six significant digits, in the locale's digits: "7.10235". */
export function formatRate(rate: string, lang: Lang): string {
  return new Intl.NumberFormat(localeOf(lang), { maximumSignificantDigits: 6 }).format(rate as Intl.StringNumericLiteral);
}

export function formatCount(n: number, lang: Lang): string {
  return new Intl.NumberFormat(localeOf(lang)).format(n);
}
