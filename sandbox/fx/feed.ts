import { createServer } from 'node:http';
import { create } from 'xmlbuilder2';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { closeServer, listen, sendText, urlHost } from '../shared/http.js';

/**
 * The sandbox FX market: a rate feed in the ECB euro reference-rate format
 * (https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml) whose rates move over time,
 * so that quotes expire into different rates and stale-rate handling can be seen.
 *
 * - `GET /eurofxref-daily.xml`: the rates now, as ECB XML. The ECB gives a date in `Cube@time`;
 *   this feed gives the full time of its tick (ISO 8601 date-time), because it moves within a
 *   day. Hutong accepts both.
 * - `GET /rates.csv`: the same rates as CSV (`base,currency,rate,as_of`).
 * - `POST /freeze` / `POST /unfreeze`: stop and restart publishing (the feed keeps answering with
 *   its last tick, which ages), to see Hutong refuse quotes on stale rates.
 *
 * Movement is deterministic (integers only): every `tickMs` each rate moves along a triangle
 * wave of ±0.5% around its base, with a different period per currency.
 */
export const baseRates: ReadonlyArray<readonly [currency: string, perEuro: string, decimals: number]> = [
  ['USD', '1.0850', 4],
  ['JPY', '162.50', 2],
  ['GBP', '0.84200', 5],
  ['CNY', '7.8500', 4],
  ['HKD', '8.4500', 4],
  ['SGD', '1.4600', 4],
  ['KRW', '1480.00', 2],
  ['AUD', '1.6600', 4],
  ['CAD', '1.4800', 4],
  ['CHF', '0.9550', 4],
];

/** KWD is not an ECB currency; the sandbox adds it so 3-decimal conversions can be tried. */
export const extraRates: ReadonlyArray<readonly [string, string, number]> = [['KWD', '0.33400', 5]];

export interface FeedTick {
  readonly at: Date;
  readonly rates: ReadonlyArray<{ currency: string; rate: string }>;
}

function scaledOf(text: string): { scaled: bigint; decimals: number } {
  const [whole = '0', fraction = ''] = text.split('.');
  return { scaled: BigInt(whole + fraction), decimals: fraction.length };
}

function format(scaled: bigint, decimals: number): string {
  const digits = scaled.toString().padStart(decimals + 1, '0');
  return decimals === 0 ? digits : `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
}

/** The rates at tick `n`: base × (1 + wave/1000), wave in −5…+5 (per mille), to the currency's decimals. */
export function ratesAtTick(n: bigint): FeedTick['rates'] {
  return [...baseRates, ...extraRates].map(([currency, base], i) => {
    const { scaled, decimals } = scaledOf(base);
    const period = BigInt(20 + 4 * i);
    const phase = (n + BigInt(i * 7)) % period;
    const half = period / 2n;
    // Triangle: 0 → +5 → 0 → −5 → 0 over one period, in per mille.
    const wave = ((phase <= half ? phase : period - phase) * 20n) / period - 5n;
    const moved = (scaled * (1000n + wave) * 10n + 500n) / 1000n; // one more digit, rounded half up
    return { currency, rate: format(moved, decimals + 1).replace(/0$/, '') };
  });
}

export function tickAt(at: Date, tickMs: number): FeedTick {
  const n = BigInt(Math.floor(at.getTime() / tickMs));
  return { at: new Date(Number(n) * tickMs), rates: ratesAtTick(n) };
}

export function ecbXml(tick: FeedTick): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' })
    .ele('http://www.gesmes.org/xml/2002-08-01', 'gesmes:Envelope')
    .att('xmlns', 'http://www.ecb.int/vocabulary/2002-08-01/eurofxref')
    .ele('gesmes:subject')
    .txt('Reference rates')
    .up()
    .ele('gesmes:Sender')
    .ele('gesmes:name')
    .txt('Hutong sandbox FX market (ECB format)')
    .up()
    .up()
    .ele('Cube')
    .ele('Cube')
    .att('time', tick.at.toISOString());
  for (const r of tick.rates) doc.ele('Cube').att('currency', r.currency).att('rate', r.rate).up();
  return doc.end({ prettyPrint: true });
}

export function ratesCsv(tick: FeedTick): string {
  return ['base,currency,rate,as_of', ...tick.rates.map((r) => `EUR,${r.currency},${r.rate},${tick.at.toISOString()}`)].join('\n') + '\n';
}

export interface FxFeedOptions {
  readonly port?: number;
  readonly host?: string;
  readonly clock?: Clock;
  /** How often the rates move (default one minute). */
  readonly tickMs?: number;
}

export interface FxFeed {
  readonly baseUrl: string;
  readonly xmlUrl: string;
  /** Stops publishing: the feed keeps answering with its last tick. */
  freeze(): void;
  unfreeze(): void;
  close(): Promise<void>;
}

export async function startFxFeed(options: FxFeedOptions = {}): Promise<FxFeed> {
  const clock = options.clock ?? systemClock;
  const tickMs = options.tickMs ?? 60_000;
  const host = options.host ?? '127.0.0.1';
  let frozen: FeedTick | undefined;
  const current = () => frozen ?? tickAt(clock.now(), tickMs);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/eurofxref-daily.xml')
      return sendText(response, 200, 'application/xml; charset=utf-8', ecbXml(current()));
    if (request.method === 'GET' && path === '/rates.csv') return sendText(response, 200, 'text/csv; charset=utf-8', ratesCsv(current()));
    if (request.method === 'POST' && path === '/freeze') {
      frozen = current();
      return sendText(response, 200, 'text/plain', `frozen at ${frozen.at.toISOString()}\n`);
    }
    if (request.method === 'POST' && path === '/unfreeze') {
      frozen = undefined;
      return sendText(response, 200, 'text/plain', 'publishing\n');
    }
    return sendText(response, 404, 'text/plain', 'not found\n');
  });
  const port = await listen(server, options.port ?? 0, host);
  const baseUrl = `http://${urlHost(host)}:${port}`;
  return {
    baseUrl,
    xmlUrl: `${baseUrl}/eurofxref-daily.xml`,
    freeze: () => {
      frozen = current();
    },
    unfreeze: () => {
      frozen = undefined;
    },
    close: () => closeServer(server),
  };
}
