import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { isFailure } from '../../src/core/failure.js';
import { createRateStore, parseEcbXml, parseRatesCsv } from '../../src/fx/rates.js';
import { ratesAtTick, startFxFeed, type FxFeed } from './feed.js';

describe('the sandbox FX market', () => {
  const clock = new ManualClock(new Date('2026-11-21T08:00:10Z'));
  let feed: FxFeed;
  beforeAll(async () => {
    feed = await startFxFeed({ port: 0, clock, tickMs: 60_000 });
  });
  afterAll(async () => {
    await feed.close();
  });

  it('serves ECB XML and CSV of the same tick, which Hutong parses', async () => {
    const xml = parseEcbXml(await (await fetch(feed.xmlUrl)).text());
    const csv = parseRatesCsv(await (await fetch(`${feed.baseUrl}/rates.csv`)).text());
    if (isFailure(xml) || isFailure(csv)) throw new Error('unparsable feed');
    expect(xml.rates).toEqual(csv.rates);
    expect(xml.rates[0]?.asOf).toBe('2026-11-21T08:00:00.000Z');
    expect(xml.rates.map((r) => r.currency)).toEqual(expect.arrayContaining(['USD', 'CNY', 'JPY', 'KWD']));
  });

  it('moves every tick within ±0.5 % of its base, and stays put while frozen', async () => {
    const usd = (n: bigint) => Number(ratesAtTick(n).find((r) => r.currency === 'USD')?.rate);
    const seen = new Set<number>();
    for (let n = 0n; n < 40n; n++) {
      seen.add(usd(n));
      expect(Math.abs(usd(n) - 1.085) / 1.085).toBeLessThanOrEqual(0.0051);
    }
    expect(seen.size).toBeGreaterThan(5);
    feed.freeze();
    const before = await (await fetch(feed.xmlUrl)).text();
    clock.advance(10 * 60_000);
    expect(await (await fetch(feed.xmlUrl)).text()).toBe(before);
    feed.unfreeze();
    expect(await (await fetch(feed.xmlUrl)).text()).not.toBe(before);
  });

  it("a frozen feed goes stale in Hutong's rate store", async () => {
    feed.freeze();
    const store = createRateStore({ staleAfterMs: 5 * 60_000 });
    const snapshot = parseEcbXml(await (await fetch(feed.xmlUrl)).text());
    if (isFailure(snapshot)) throw new Error(snapshot.detail);
    store.load(snapshot, clock.now());
    expect(isFailure(store.pair('USD', 'CNY', clock.now()))).toBe(false);
    clock.advance(6 * 60_000);
    const stale = store.pair('USD', 'CNY', clock.now());
    expect(isFailure(stale) && stale.failure).toBe('fx_rate_stale');
    feed.unfreeze();
  });
});
