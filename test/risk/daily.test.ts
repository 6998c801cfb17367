import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHutong, type Hutong } from '../../src/app.js';
import { ManualClock } from '../../src/core/clock.js';
import { dailyScanAt, dailyScanKey, nextDailyScan } from '../../src/risk/index.js';
import { describeEachStore, freshStore, testConfig } from '../support/stores.js';
import fc from 'fast-check';

/**
 * The daily AML job (src/risk/daily.ts): two Hutong instances on one database, each with its own
 * pool and timer worker, both started and both running due timers at once; the day is scanned
 * once, its large-value report is written, a restart does not scan it again, and the job moves on
 * to the next day. The hour setting is China time.
 */
it('the next scan is the next hour:00 in China, for the Beijing day before it', () => {
  // 2026-04-01T16:30Z is 00:30 on 2 April in Beijing: the 01:00 scan of 1 April is 30 minutes away.
  expect(nextDailyScan(new Date('2026-04-01T16:30:00Z'), 1)).toEqual({ at: new Date('2026-04-01T17:00:00Z'), day: '2026-04-01' });
  // 01:30 on 2 April: that scan is past; the next is of 2 April, on 3 April at 01:00.
  expect(nextDailyScan(new Date('2026-04-01T17:30:00Z'), 1)).toEqual({ at: new Date('2026-04-02T17:00:00Z'), day: '2026-04-02' });
  expect(dailyScanAt('2026-04-01', 1)).toEqual(new Date('2026-04-01T17:00:00Z'));
  fc.assert(
    fc.property(
      fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }),
      fc.integer({ min: 0, max: 23 }),
      (ms, hour) => {
        const next = nextDailyScan(new Date(ms), hour);
        // Never in the past, never more than a day ahead, always hour:00 in China, scanning a finished day.
        expect(next.at.getTime()).toBeGreaterThanOrEqual(ms);
        expect(next.at.getTime() - ms).toBeLessThan(86_400_000);
        expect(new Date(next.at.getTime() + 8 * 3_600_000).toISOString().slice(11, 19)).toBe(`${String(hour).padStart(2, '0')}:00:00`);
        expect(dailyScanAt(next.day, hour)).toEqual(next.at);
      },
    ),
  );
});

describeEachStore('the daily AML scan on durable timers', (dialect) => {
  const clock = new ManualClock(new Date('2026-04-01T02:00:00Z')); // 10:00 on 1 April in Beijing
  const vaultKey = randomBytes(32);
  const reportDir = mkdtempSync(join(tmpdir(), 'hutong-risk-reports-'));
  let a: Hutong;
  let b: Hutong;
  let store: Awaited<ReturnType<typeof freshStore>>;
  const twoNodes = dialect === 'postgres';
  const config = () => ({
    ...testConfig(store.store),
    risk: { identityUrl: undefined, identityKey: undefined, screeningThresholdPermille: 900, dailyScanHour: 2, reportDir },
  });

  beforeAll(async () => {
    store = await freshStore(dialect);
    a = await createHutong(config(), { clock, logger: false, vaultKey });
    // Several nodes share PostgreSQL; the embedded SQLite store is one node's (one writer), so there
    // the second "node" is the same instance and only the restart is tested.
    b = twoNodes ? await createHutong(config(), { clock, logger: false, vaultKey }) : a;
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    await store?.drop();
    rmSync(reportDir, { recursive: true, force: true });
  });

  async function call(h: Hutong, method: string, url: string, key: string, body?: object) {
    const r = await h.server.inject({
      method: method as 'POST',
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body ? { payload: body } : {}),
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return JSON.parse(r.body);
  }
  const runs = () => a.services.store.reader.selectFrom('risk_daily_runs').selectAll().orderBy('day').execute();

  it('scans a day once across two instances (PostgreSQL) and a restart, writes its report, and moves to the next day', async () => {
    const { generated: operatorKey } = await a.services.parties.ensureOperatorKey(undefined);
    const merchant = await call(a, 'POST', '/v1/merchants', operatorKey as string, {
      name: 'Shop',
      country: 'CN',
      settlement_currency: 'CNY',
    });
    const key = merchant.api_key.secret_key as string;
    const customer = async (name: string, topUp: number) => {
      const c = await call(b, 'POST', '/v1/customers', key, { name });
      if (topUp > 0) await call(b, 'POST', `/v1/customers/${c.id}/top_ups`, key, { amount: topUp, currency: 'CNY' });
      return c.id as string;
    };
    // 1 April: one customer pays CNY 520,000 in a day (a large-value line), in two transfers of
    // 260,000 each; and a wallet receives from ten payers (a many-payers case).
    const big = await customer('Big Payer', 60_000_000);
    const payee = await customer('Payee', 0);
    await call(a, 'POST', '/v1/transfers', key, { source: big, destination: payee, amount: 26_000_000, currency: 'CNY' });
    await call(a, 'POST', '/v1/transfers', key, { source: big, destination: payee, amount: 26_000_000, currency: 'CNY' });
    const hub = await customer('Hub', 0);
    for (let i = 0; i < 10; i++)
      await call(b, 'POST', '/v1/transfers', key, {
        source: await customer(`Payer ${i}`, 100_000),
        destination: hub,
        amount: 10_000,
        currency: 'CNY',
      });

    // Both instances start (as `hutong start` does on each node): one timer, at 02:00 on 2 April in China.
    await Promise.all([a.riskDaily.start(), b.riskDaily.start()]);
    const timer = await a.timers.get(dailyScanKey);
    expect(timer?.due_at).toBe('2026-04-01T18:00:00.000Z');
    expect(JSON.parse(timer?.payload ?? '{}')).toEqual({ day: '2026-04-01', hour: 2 });

    // Not due before the hour.
    clock.set(new Date('2026-04-01T17:59:00Z'));
    await Promise.all([a.timers.runDue(), b.timers.runDue()]);
    expect(await runs()).toEqual([]);

    // Due: both workers race for it; the day is scanned once.
    clock.set(new Date('2026-04-01T18:00:05Z'));
    await Promise.all([a.timers.runDue(), b.timers.runDue(), a.timers.runDue(), b.timers.runDue()]);
    const [first, ...others] = await runs();
    expect(others).toEqual([]);
    expect(first).toMatchObject({ day: '2026-04-01', status: 'done', trigger: 'timer' });
    expect(Number(first?.runs)).toBe(1);
    expect(Number(first?.cases_opened)).toBeGreaterThanOrEqual(1);
    expect(Number(first?.large_value_lines)).toBe(2); // the payer (paid) and the payee (received)
    expect(first?.large_value_csv).toContain(`2026-04-01,${big},natural_person,${merchant.id},paid,CNY,52000000,2,50000000,domestic`);
    expect(readFileSync(join(reportDir, 'large-value-2026-04-01.csv'), 'utf8')).toBe(first?.large_value_csv);
    const cases = await call(a, 'GET', '/v1/risk/cases', operatorKey as string);
    expect(cases.data.map((c: { partyId?: string; party?: string }) => c.party ?? c.partyId)).toContain(hub);
    const moved = await a.timers.get(dailyScanKey);
    expect([moved?.due_at, JSON.parse(moved?.payload ?? '{}').day]).toEqual(['2026-04-02T18:00:00.000Z', '2026-04-02']);

    // A restart of one node (a new instance, started again) an hour later: nothing scanned again,
    // the timer is not moved back.
    await b.close();
    clock.set(new Date('2026-04-01T19:00:00Z'));
    b = await createHutong(config(), { clock, logger: false, vaultKey });
    if (!twoNodes) a = b;
    await b.riskDaily.start();
    await Promise.all([a.timers.runDue(), b.timers.runDue()]);
    expect((await runs()).map((r) => [r.day, Number(r.runs)])).toEqual([['2026-04-01', 1]]);
    expect((await a.timers.get(dailyScanKey))?.due_at).toBe('2026-04-02T18:00:00.000Z');

    // Both nodes down for two days: the first run after catches up one day at a time, each once.
    clock.set(new Date('2026-04-03T20:00:00Z'));
    await Promise.all([a.timers.runDue(), b.timers.runDue()]);
    await Promise.all([a.timers.runDue(), b.timers.runDue()]);
    expect((await runs()).map((r) => [r.day, Number(r.runs), r.status])).toEqual([
      ['2026-04-01', 1, 'done'],
      ['2026-04-02', 1, 'done'],
      ['2026-04-03', 1, 'done'],
    ]);
    expect((await a.timers.get(dailyScanKey))?.due_at).toBe('2026-04-04T18:00:00.000Z');

    // By hand (`hutong risk scan --day`): it runs again, says so, and opens no case twice.
    const byHand = await a.riskDaily.runDay('2026-04-01', 'hand');
    expect(byHand).toMatchObject({
      day: '2026-04-01',
      runs: 2,
      trigger: 'hand',
      status: 'done',
      casesOpened: first ? Number(first.cases_opened) : -1,
    });
    expect(await a.riskDaily.runDay('2026-02-30', 'hand')).toMatchObject({ failure: 'risk_case_invalid' });
  }, 120_000);

  it('moves the pending timer when the hour setting changes, keeping the day it scans', async () => {
    const c = await createHutong({ ...config(), risk: { ...config().risk, dailyScanHour: 5 } }, { clock, logger: false, vaultKey });
    try {
      await c.riskDaily.start();
      const timer = await c.timers.get(dailyScanKey);
      expect([timer?.due_at, JSON.parse(timer?.payload ?? '{}')]).toEqual(['2026-04-04T21:00:00.000Z', { day: '2026-04-04', hour: 5 }]);
    } finally {
      await c.close();
    }
  }, 60_000);
});
